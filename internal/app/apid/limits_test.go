package apid

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"
)

// TestLimitListener dials a real loopback listener: connections beyond the per-source cap are
// closed at once, and a closed connection gives its slot back.
func TestLimitListener(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := newLimitListener(inner, slog.New(slog.DiscardHandler), 3, 2)
	defer l.Close()
	accepted := make(chan net.Conn, 10)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	dial := func() net.Conn {
		c, err := net.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	dial()
	dial()
	third := dial()
	_ = third.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := third.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("third connection from one source with a cap of 2: read = %v, want EOF", err)
	}
	(<-accepted).Close()
	<-accepted
	dial()
	select {
	case <-accepted:
	case <-time.After(10 * time.Second):
		t.Error("a connection after one closed was not accepted")
	}
}

func TestSourceOf(t *testing.T) {
	for _, tt := range []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.ParseIP("10.0.0.1"), Port: 5}, "10.0.0.1"},
		{&net.TCPAddr{IP: net.ParseIP("::1"), Port: 5}, "::1"},
		{&net.UnixAddr{Name: "/x"}, "/x"},
	} {
		if got := sourceOf(tt.addr); got != tt.want {
			t.Errorf("sourceOf(%v) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}
