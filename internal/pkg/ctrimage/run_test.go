package ctrimage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary stand in for ctr in the tests of run (CTRIMAGE_FAKE names how
// it behaves); the parsing is tested against real ctr output above.
func TestMain(m *testing.M) {
	switch os.Getenv("CTRIMAGE_FAKE") {
	case "":
		os.Exit(m.Run())
	case "import":
		n, _ := io.Copy(io.Discard, os.Stdin)
		fmt.Printf("unpacking localhost/x:%d (sha256:%s)...done\n", n, strings.Repeat("b", 64))
	case "fail":
		fmt.Fprintln(os.Stderr, "ctr: unrecognized image format")
		os.Exit(1)
	case "hang":
		time.Sleep(time.Minute)
	}
	os.Exit(0)
}

func fake(t *testing.T, mode string) Client {
	t.Setenv("CTRIMAGE_FAKE", mode)
	return Client{Path: os.Args[0], Socket: "/nonexistent", Namespace: "k8s.io"}
}

func TestImportRunsCtr(t *testing.T) {
	got, err := fake(t, "import").Import(context.Background(), strings.NewReader("12345"))
	if err != nil || len(got) != 1 || !strings.HasPrefix(got[0], "localhost/x:5@sha256:") {
		t.Errorf("Import = %q, %v; want localhost/x:5@sha256:...", got, err)
	}
}

func TestRunFailureCarriesStderr(t *testing.T) {
	_, err := fake(t, "fail").List(context.Background())
	if err == nil || !strings.Contains(err.Error(), "ctr images ls") || !strings.Contains(err.Error(), "unrecognized image format") {
		t.Errorf("List = %v, want ctr's stderr in the error", err)
	}
}

func TestRunEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	// A reader that never ends: ctr's stdin copy must not keep run waiting either.
	pr, pw := io.Pipe()
	defer func() { _ = pw.Close() }()
	_, err := fake(t, "hang").Import(ctx, pr)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Import = %v, want the context's error", err)
	}
	if d := time.Since(start); d > waitDelay+2*time.Second {
		t.Errorf("Import returned after %s, want soon after its context ended", d)
	}
}

func TestCheck(t *testing.T) {
	c := Client{Socket: filepath.Join(t.TempDir(), "containerd.sock")}
	if err := c.Check(context.Background()); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Check(no socket) = %v, want ErrNotRunning", err)
	}
	l, err := net.Listen("unix", c.Socket)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	if err := c.Check(context.Background()); err != nil {
		t.Errorf("Check(listening) = %v, want nil", err)
	}
}
