package harness

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestServeOnce(t *testing.T) {
	for _, tc := range []struct {
		name, req  string
		wantStatus int
		wantBody   string
	}{
		{"config", "GET /config.yaml HTTP/1.1\r\nHost: 10.0.2.100\r\n\r\n", 200, "machine: {}\n"},
		{"other path", "GET /secrets.yaml HTTP/1.1\r\nHost: 10.0.2.100\r\n\r\n", 404, "not found\n"},
		{"post", "POST /config.yaml HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 404, "not found\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := serveOnce(strings.NewReader(tc.req), &out, "/config.yaml", []byte("machine: {}\n")); err != nil {
				t.Fatalf("serveOnce: %v", err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(&out), nil)
			if err != nil {
				t.Fatalf("response does not parse: %v", err)
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.wantStatus || string(body) != tc.wantBody {
				t.Errorf("serveOnce(%q) = %d %q, want %d %q", tc.req, resp.StatusCode, body, tc.wantStatus, tc.wantBody)
			}
		})
	}
	if err := serveOnce(strings.NewReader("garbage"), io.Discard, "/", nil); err == nil {
		t.Error("serveOnce(garbage) = nil error, want one")
	}
}
