package etcdops_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cairn-os/cairn/internal/pkg/etcdops"
	"github.com/cairn-os/cairn/internal/pkg/etcdops/etcdtest"
)

// TestJoinThroughAndPromoteSelf joins a member as a control plane does, knowing only some
// addresses that may hold members: a closed port is skipped, the member that answers takes the
// learner; the learner's own endpoint (which serves no member list) and the closed port are
// skipped when it promotes itself. A refusal every member would repeat is returned at once.
func TestJoinThroughAndPromoteSelf(t *testing.T) {
	c := etcdtest.Start(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c.Put(t, 0, map[string]string{"/registry/a": "1"})
	closed := "https://127.0.0.1:1"
	first := c.Members[0].ClientURL

	m := c.NewMember("node-2", "127.0.0.12")
	j, via, err := etcdops.JoinThrough(ctx, c.PKIDir, []string{closed, first}, "node-2", m.PeerURL)
	if err != nil || via != first || !j.Member.Learner || !strings.Contains(j.InitialCluster, "node-2="+m.PeerURL) {
		t.Fatalf("JoinThrough = %+v, %q, %v; want a learner added through %s", j, via, err, first)
	}
	other := c.NewMember("node-x", "127.0.0.19")
	if _, _, err := etcdops.JoinThrough(ctx, c.PKIDir, []string{first, closed}, "node-x", other.PeerURL); !errors.Is(err, etcdops.ErrRefused) {
		t.Errorf("a second learner before the first is promoted: %v, want refused", err)
	}
	if _, _, err := etcdops.JoinThrough(ctx, c.PKIDir, []string{closed}, "node-x", other.PeerURL); err == nil || errors.Is(err, etcdops.ErrRefused) {
		t.Errorf("joining through a closed port only: %v, want its connection error", err)
	}

	c.StartJoining(m, j.InitialCluster)
	done, err := etcdops.PromoteSelf(ctx, c.PKIDir, []string{m.ClientURL, closed, first}, m.PeerURL)
	if err != nil || !done {
		t.Fatalf("PromoteSelf = %v, %v; want promoted", done, err)
	}
	done, err = etcdops.PromoteSelf(ctx, c.PKIDir, []string{m.ClientURL}, m.PeerURL)
	if err != nil || !done {
		t.Errorf("PromoteSelf of a voting member through itself = %v, %v; want done", done, err)
	}
	_, members, err := client(t, c, 0).Members(ctx, true)
	if err != nil || len(members) != 2 || members[0].Learner || members[1].Learner {
		t.Errorf("members after promotion = %+v, %v; want two voters", members, err)
	}
	if _, err := etcdops.PromoteSelf(ctx, c.PKIDir, []string{first}, other.PeerURL); !errors.Is(err, etcdops.ErrNotFound) {
		t.Errorf("PromoteSelf of a peer URL no member has = %v, want not found", err)
	}
}
