package apilb

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// backend is a TCP server on loopback that answers each line with its name and the line.
type backend struct {
	name string
	ln   net.Listener
	wg   sync.WaitGroup
	mu   sync.Mutex
	open []net.Conn
}

func startBackend(t *testing.T, name string) *backend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &backend{name: name, ln: ln}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b.mu.Lock()
			b.open = append(b.open, c)
			b.mu.Unlock()
			go func() {
				defer func() { _ = c.Close() }()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if _, err := io.WriteString(c, b.name+":"+line); err != nil {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(b.kill)
	return b
}

func (b *backend) addr() string { return b.ln.Addr().String() }

// kill stops accepting and drops every connection, as a control plane that goes down.
func (b *backend) kill() {
	_ = b.ln.Close()
	b.mu.Lock()
	for _, c := range b.open {
		_ = c.Close()
	}
	b.mu.Unlock()
	b.wg.Wait()
}

func ask(t *testing.T, addr, line string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		return "write: " + err.Error()
	}
	got, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "read: " + err.Error()
	}
	return strings.TrimSpace(got)
}

func serve(t *testing.T, b *Balancer) (string, context.CancelFunc, chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String(), cancel, done
}

// TestFailover: connections go to the first apiserver while it accepts; when it goes down
// they go to the next, with no error seen by the client, and the failed one is tried last
// until DownFor passes; an unreachable backend costs one refused dial.
func TestFailover(t *testing.T) {
	one, two := startBackend(t, "one"), startBackend(t, "two")
	b := New(slog.New(slog.DiscardHandler), one.addr(), two.addr(), "bad address")
	if got := b.Backends(); len(got) != 2 {
		t.Fatalf("backends %q: the malformed one should be dropped", got)
	}
	addr, _, _ := serve(t, b)
	if got := ask(t, addr, "a"); got != "one:a" {
		t.Fatalf("first answer %q, want one:a", got)
	}
	one.kill()
	if got := ask(t, addr, "b"); got != "two:b" {
		t.Fatalf("answer with the first down %q, want two:b", got)
	}
	if order := b.order(); order[0] != two.addr() {
		t.Errorf("order after the failure %q: the failed backend should come last", order)
	}
	three := startBackend(t, "three")
	b.SetBackends([]string{three.addr(), two.addr()})
	if got := ask(t, addr, "c"); got != "three:c" {
		t.Errorf("after SetBackends: %q, want three:c", got)
	}
}

// TestNoBackend: with no apiserver up, a client's connection is closed, not held.
func TestNoBackend(t *testing.T) {
	dead := startBackend(t, "dead")
	dead.kill()
	b := New(slog.New(slog.DiscardHandler), dead.addr())
	addr, _, _ := serve(t, b)
	if got := ask(t, addr, "x"); !strings.HasPrefix(got, "read: ") && !strings.HasPrefix(got, "write: ") {
		t.Errorf("with every backend down the client got %q, want its connection closed", got)
	}
}

// TestServeEnds: when its context ends, Serve closes the listener and every proxied
// connection, and returns.
func TestServeEnds(t *testing.T) {
	one := startBackend(t, "one")
	b := New(slog.New(slog.DiscardHandler), one.addr())
	addr, cancel, done := serve(t, b)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	if _, err := io.WriteString(c, "hello\n"); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	if line, err := r.ReadString('\n'); err != nil || line != "one:hello\n" {
		t.Fatalf("proxied answer %q, %v", line, err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
	done <- nil // for the cleanup
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := r.ReadString('\n'); err == nil {
		t.Error("the proxied connection stayed open after Serve returned")
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Error("the listener still accepts after Serve returned")
	}
}

// TestConnectionLimit: beyond MaxConns, a new connection is closed at once while the others
// keep working.
func TestConnectionLimit(t *testing.T) {
	one := startBackend(t, "one")
	b := New(slog.New(slog.DiscardHandler), one.addr())
	addr, _, _ := serve(t, b)
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	for range MaxConns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	// Each held connection is proxied once its first line went through.
	r := bufio.NewReader(conns[len(conns)-1])
	_, _ = io.WriteString(conns[len(conns)-1], "last\n")
	if line, err := r.ReadString('\n'); err != nil || line != "one:last\n" {
		t.Fatalf("connection %d: %q, %v", MaxConns, line, err)
	}
	if got := ask(t, addr, "over"); !strings.HasPrefix(got, "read: ") && !strings.HasPrefix(got, "write: ") {
		t.Errorf("connection beyond the limit got %q, want it closed", got)
	}
	_ = conns[0].Close()
	conns = conns[1:]
	deadline := time.Now().Add(10 * time.Second)
	for ask(t, addr, "again") != "one:again" {
		if time.Now().After(deadline) {
			t.Fatal("a slot freed by a closed connection was not reused")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
