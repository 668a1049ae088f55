package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeGetLookup runs the real server on loopback, reads it with the get command, ends
// it as SIGTERM does (its context ends) and resolves localhost.
func TestServeGetLookup(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	t.Setenv("LISTEN", addr)
	t.Setenv("POD_IP", "10.244.1.7")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, &bytes.Buffer{}) }()
	var out bytes.Buffer
	for i := 0; ; i++ {
		out.Reset()
		if err = run(context.Background(), []string{"get", "http://" + addr + "/"}, &out); err == nil || i == 50 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil || !strings.Contains(out.String(), "ip=10.244.1.7") || !strings.HasPrefix(out.String(), "hostname=") {
		t.Errorf("get / = %q, %v; want the host name and ip=10.244.1.7", out.String(), err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"get", "http://" + addr + "/healthz"}, &out); err != nil || out.String() != "ok\n" {
		t.Errorf("get /healthz = %q, %v; want ok", out.String(), err)
	}
	if err := run(context.Background(), []string{"get", "http://" + addr + "/nope"}, &out); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("get /nope = %v, want a 404 error", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve after SIGTERM = %v, want nil", err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"lookup", "localhost"}, &out); err != nil || !strings.Contains(out.String(), "127.0.0.1") {
		t.Errorf("lookup localhost = %q, %v; want 127.0.0.1", out.String(), err)
	}
	if err := run(context.Background(), []string{"frobnicate"}, &out); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Errorf("run(frobnicate) = %v, want usage", err)
	}
}

// TestCat prints a file, and refuses a missing one.
func TestCat(t *testing.T) {
	f := filepath.Join(t.TempDir(), "status")
	if err := os.WriteFile(f, []byte("Seccomp:\t2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := run(context.Background(), []string{"cat", f}, &out); err != nil || out.String() != "Seccomp:\t2\n" {
		t.Errorf("cat = %q, %v", out.String(), err)
	}
	if err := run(context.Background(), []string{"cat", f + ".missing"}, &out); err == nil {
		t.Error("cat of a missing file succeeded")
	}
}
