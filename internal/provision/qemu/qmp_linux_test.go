package qemu

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestDialQMPLongDir: a cluster directory too long for a socket address (as a test's
// temporary directory under a long test name is) still reaches the node's QMP socket.
func TestDialQMPLongDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), strings.Repeat("d", 60), strings.Repeat("e", 60))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := net.Listen("unix", filepath.Join(dir, qmpSocket("n1"))); err == nil {
		t.Fatal("listening on the socket's full path worked: the directory is not long enough to test")
	}
	// Bind the way QEMU does from inside the directory: through a descriptor of it.
	d, err := os.OpenFile(dir, unix.O_PATH|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", fmt.Sprintf("/proc/self/fd/%d/%s", d.Fd(), qmpSocket("n1")))
	_ = d.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	c, err := dialQMP(dir, "n1")
	if err != nil {
		t.Fatalf("dialQMP: %v", err)
	}
	_ = c.Close()
	if _, err := dialQMP(dir, "n2"); err == nil {
		t.Error("dialQMP of a node without a socket worked")
	}
}
