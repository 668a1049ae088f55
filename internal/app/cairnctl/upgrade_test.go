package cairnctl

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-os/cairn/pkg/machinery/constants"
)

// TestUpgradeBadFlags: every bad flag is refused, naming it and its value, before cairnctl
// reads a client configuration or contacts a node.
func TestUpgradeBadFlags(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.img")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(dir, "huge.img")
	if err := os.WriteFile(huge, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, constants.MaxOSImageBytes+1); err != nil { // sparse
		t.Fatal(err)
	}
	img := filepath.Join(dir, "cairn.img")
	if err := os.WriteFile(img, []byte("image"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"upgrade"}, "--image is required"},
		{[]string{"upgrade", "--image", "ftp://host/cairn.img"}, `--image "ftp://host/cairn.img": cairnctl fetches only http:// and https:// URLs, not ftp://`},
		{[]string{"upgrade", "--image", "https:///cairn.img"}, `--image "https:///cairn.img": the URL names no host`},
		{[]string{"upgrade", "--image", filepath.Join(dir, "missing.img")}, "--image: open " + filepath.Join(dir, "missing.img") + ": no such file or directory"},
		{[]string{"upgrade", "--image", dir}, "--image " + dir + ": not a regular file"},
		{[]string{"upgrade", "--image", empty}, "--image " + empty + " is empty"},
		{[]string{"upgrade", "--image", huge}, "is 1073741825 bytes: a node takes OS images of at most 1073741824 bytes"},
		{[]string{"upgrade", "--image", img, "--wait", "--stage"}, "--wait with --stage: a staged upgrade does not reboot"},
		{[]string{"upgrade", "--image", img, "--wait-timeout", "0s"}, "--wait-timeout 0s: want a duration above 0"},
		{[]string{"upgrade", "--image", img, "-o", "xml"}, `--output "xml": want table, json or yaml`},
		{[]string{"upgrade", "--image", img, "-n", "10.0.0.1,10.0.0.2"}, "--nodes names 2 nodes: upgrading several without --wait would reboot them all at once"},
		{[]string{"rollback", "-o", "xml"}, `--output "xml": want table, json or yaml`},
	}
	env := map[string]string{"CAIRNCONFIG": filepath.Join(dir, "no-such-config")}
	for _, tt := range tests {
		r := run(t, env, tt.args...)
		if r.code == 0 || !strings.Contains(r.stderr, tt.want) || strings.Contains(r.stderr, "no-such-config") {
			t.Errorf("cairnctl %q: exit %d, stderr %q; want a failure saying %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
}

// TestFetchImage: cairnctl streams what an http server sends, and refuses an error status, a
// declared size over the node's limit and a body that runs past it.
func TestFetchImage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/cairn.img":
			_, _ = io.WriteString(w, "signed image bytes")
		case "/huge.img":
			w.Header().Set("Content-Length", "2147483648")
			w.WriteHeader(http.StatusOK)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	body, size, err := openImage(context.Background(), srv.URL+"/cairn.img")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(body)
	_ = body.Close()
	if err != nil || string(got) != "signed image bytes" || size != int64(len(got)) {
		t.Errorf("fetched %q (size %d), %v; want the server's body", got, size, err)
	}
	for path, want := range map[string]string{
		"/missing.img": "/missing.img: the server answered 404 Not Found",
		"/huge.img":    "/huge.img is 2147483648 bytes: a node takes OS images of at most 1073741824 bytes",
	} {
		if _, _, err := openImage(context.Background(), srv.URL+path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("openImage(%s) = %v, want %q", path, err, want)
		}
	}
	capped := &cappedBody{ReadCloser: io.NopCloser(strings.NewReader("0123456789")), ref: "URL", left: 4}
	if _, err := io.ReadAll(capped); err == nil || !strings.Contains(err.Error(), "--image URL: more than 1073741824 bytes") {
		t.Errorf("a body past the limit read with %v, want an error", err)
	}
}

// TestNodeFailure: a node's success stays a success (upgrade --wait --nodes X reported
// "node X: %!w(<nil>)" and exit 1 after a good upgrade); its failure is named by the node.
func TestNodeFailure(t *testing.T) {
	if err := nodeFailure("10.5.0.2", nil); err != nil {
		t.Errorf("nodeFailure(node, nil) = %v, want nil", err)
	}
	want := errors.New("refused")
	if err := nodeFailure("10.5.0.2", want); !errors.Is(err, want) || err.Error() != "node 10.5.0.2: refused" {
		t.Errorf("nodeFailure(node, err) = %v", err)
	}
	if err := nodeFailure("", want); err != want { //nolint:errorlint // the very error, unwrapped
		t.Errorf("nodeFailure(\"\", err) = %v, want err itself", err)
	}
}
