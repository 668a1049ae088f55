package harness

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
)

// ServeConfigCommand is the hidden sub-command QEMU's guestfwd runs for every connection the
// Cairn guest makes to 10.0.2.100:80: it answers one HTTP request on stdin/stdout with the
// machine configuration, so no port is opened on the host for it.
const ServeConfigCommand = "serve-config"

func serveConfigMain(args []string, in io.Reader, out io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: serve-config FILE")
	}
	body, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	return serveOnce(in, out, "/config.yaml", body)
}

// serveOnce reads one HTTP request and answers it: body for GET path, 404 otherwise.
func serveOnce(in io.Reader, out io.Writer, path string, body []byte) error {
	req, err := http.ReadRequest(bufio.NewReader(in))
	if err != nil {
		return fmt.Errorf("read request: %w", err)
	}
	status, ctype := http.StatusOK, "application/yaml"
	if req.Method != http.MethodGet || req.URL.Path != path {
		status, ctype, body = http.StatusNotFound, "text/plain", []byte("not found\n")
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %s\r\nConnection: close\r\n\r\n",
		status, http.StatusText(status), ctype, strconv.Itoa(len(body)))
	b.Write(body)
	_, err = out.Write(b.Bytes())
	return err
}
