package etcdops_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/cairn-os/cairn/internal/pkg/etcdops"
	"github.com/cairn-os/cairn/internal/pkg/etcdops/etcdtest"
)

// TestJoinAsLearner grows a real one-member etcd holding data to three members, one at a time,
// as a control plane joins: each new member is added as a learner, starts with the initial
// cluster AddLearner returns, is promoted once it has caught up, and then holds every key.
// Adding a second learner before the first is promoted is refused, a retried add of a member
// that never started is reused, a member already running is refused, and promoting a voting
// member again is no error.
func TestJoinAsLearner(t *testing.T) {
	c := etcdtest.Start(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cl := client(t, c, 0)
	kvs := map[string]string{}
	for i := range 500 {
		kvs[fmt.Sprintf("/registry/configmaps/default/cm-%d", i)] = strings.Repeat("v", 512)
	}
	c.Put(t, 0, kvs)

	for i, name := range []string{"node-2", "node-3"} {
		m := c.NewMember(name, fmt.Sprintf("127.0.0.%d", 12+i))
		j, err := cl.AddLearner(ctx, name, m.PeerURL)
		if err != nil {
			t.Fatalf("AddLearner(%s) = %v", name, err)
		}
		if !j.Member.Learner || !strings.Contains(j.InitialCluster, name+"="+m.PeerURL) || !strings.Contains(j.InitialCluster, "node-1=") {
			t.Fatalf("AddLearner(%s) = %+v", name, j)
		}
		again, err := cl.AddLearner(ctx, name, m.PeerURL)
		if err != nil || again.Member.ID != j.Member.ID {
			t.Errorf("AddLearner(%s) again before it started = %+v, %v; want the same member", name, again, err)
		}
		other := c.NewMember("node-x", "127.0.0.19")
		if _, err := cl.AddLearner(ctx, "node-x", other.PeerURL); !errors.Is(err, etcdops.ErrRefused) || !strings.Contains(err.Error(), "one member joins at a time") {
			t.Errorf("a second learner while %s is one: %v, want refused", name, err)
		}
		c.StartJoining(m, j.InitialCluster)
		pctx, pcancel := context.WithTimeout(ctx, time.Minute)
		err = cl.Promote(pctx, j.Member.ID)
		pcancel()
		if err != nil {
			t.Fatalf("Promote(%s) = %v", name, err)
		}
		if err := cl.Promote(ctx, j.Member.ID); err != nil {
			t.Errorf("promoting %s again = %v, want no error", name, err)
		}
		if _, err := cl.AddLearner(ctx, name, m.PeerURL); !errors.Is(err, etcdops.ErrRefused) || !strings.Contains(err.Error(), "it is a member") {
			t.Errorf("adding running %s again: %v, want refused", name, err)
		}
	}
	_, members, err := cl.Members(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 3 {
		t.Fatalf("members = %+v, want 3", members)
	}
	for _, m := range members {
		if m.Learner || m.Name == "" {
			t.Errorf("member %+v: want a started voting member", m)
		}
	}
	if got := c.All(t, 2); !maps.Equal(got, kvs) {
		t.Errorf("node-3 holds %d keys, want the %d written before it joined", len(got), len(kvs))
	}
	if err := cl.Promote(ctx, 0xdead); !errors.Is(err, etcdops.ErrNotFound) {
		t.Errorf("Promote(a member that is not) = %v, want not found", err)
	}
	if _, err := cl.AddLearner(ctx, "node-4", "http://127.0.0.15:2380"); !errors.Is(err, etcdops.ErrInvalid) {
		t.Errorf("AddLearner with a plain-HTTP peer URL = %v, want invalid", err)
	}
}

// TestJoinRefusedWithoutQuorum: with two of three voting members down, etcd cannot commit a
// membership change: the addition fails (the member list it starts from cannot be read with a
// quorum) and adds nothing.
func TestJoinRefusedWithoutQuorum(t *testing.T) {
	c := etcdtest.Start(t, 3)
	c.Stop(1)
	c.Stop(2)
	cl := client(t, c, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m := c.NewMember("node-4", "127.0.0.14")
	_, err := cl.AddLearner(ctx, "node-4", m.PeerURL)
	if !errors.Is(err, etcdops.ErrRefused) && !errors.Is(err, etcdops.ErrUnavailable) {
		t.Fatalf("AddLearner with 1 of 3 members healthy = %v, want refused", err)
	}
	t.Logf("refused: %v", err)
}
