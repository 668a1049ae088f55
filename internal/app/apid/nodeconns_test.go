package apid

import (
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"
)

// fakeClock is a time source the test moves.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func newTestConns(t *testing.T, maxConns int) (*nodeConns, *fakeClock) {
	t.Helper()
	clock := &fakeClock{t: time.Unix(1_000_000, 0)}
	dial := func(n string) (*grpc.ClientConn, error) {
		return grpc.NewClient("passthrough:///"+n, grpc.WithTransportCredentials(insecure.NewCredentials()))
	}
	p := newNodeConns(dial, clock.now)
	p.max = maxConns
	t.Cleanup(p.drop)
	return p, clock
}

func closed(c *grpc.ClientConn) bool { return c.GetState() == connectivity.Shutdown }

func TestNodeConnsBounded(t *testing.T) {
	p, clock := newTestConns(t, 3)
	var first *grpc.ClientConn
	for i, n := range []string{"a:1", "b:1", "c:1", "d:1", "e:1"} {
		clock.t = clock.t.Add(time.Second)
		c, done, err := p.get(n)
		if err != nil {
			t.Fatal(err)
		}
		done()
		if i == 0 {
			first = c
		}
	}
	if len(p.conns) != 3 {
		t.Errorf("after 5 targets with a bound of 3: %d cached, want 3", len(p.conns))
	}
	if _, ok := p.conns["a:1"]; ok || !closed(first) {
		t.Errorf("the least recently used connection was not evicted and closed (cached %v, closed %v)", ok, closed(first))
	}
}

func TestNodeConnsEvictedInUse(t *testing.T) {
	p, clock := newTestConns(t, 1)
	inUse, done, err := p.get("a:1")
	if err != nil {
		t.Fatal(err)
	}
	clock.t = clock.t.Add(time.Second)
	_, done2, err := p.get("b:1")
	if err != nil {
		t.Fatal(err)
	}
	done2()
	if closed(inUse) {
		t.Fatal("a connection was closed while a call used it")
	}
	done()
	if !closed(inUse) {
		t.Error("an evicted connection was not closed when its last call ended")
	}
}

func TestNodeConnsSweep(t *testing.T) {
	p, clock := newTestConns(t, 10)
	idle, done, _ := p.get("a:1")
	done()
	busy, done2, _ := p.get("b:1")
	defer done2()
	clock.t = clock.t.Add(NodeConnIdle + time.Second)
	p.sweep()
	if !closed(idle) || closed(busy) || len(p.conns) != 1 {
		t.Errorf("sweep: idle closed %v, busy closed %v, %d cached; want true, false, 1", closed(idle), closed(busy), len(p.conns))
	}
}
