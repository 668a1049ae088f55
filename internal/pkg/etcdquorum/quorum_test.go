package etcdquorum

import (
	"context"
	"testing"

	"github.com/cairn-os/cairn/internal/pkg/etcdops"
	"github.com/cairn-os/cairn/internal/pkg/etcdops/etcdtest"
)

func check(t *testing.T, c *etcdtest.Cluster) Report {
	t.Helper()
	cl, err := etcdops.NewClient(c.PKIDir, c.Members[0].ClientURL)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	r, err := Check(context.Background(), cl)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestCheck asks real etcd clusters (the version the image ships) whether they keep quorum
// while their first member is down.
func TestCheck(t *testing.T) {
	three := etcdtest.Start(t, 3)
	if r := check(t, three); !r.Keeps() || r.HealthyOthers != 2 || r.Quorum != 2 || len(r.Members) != 3 {
		t.Errorf("three healthy members: %s: keeps %v, want true", r, r.Keeps())
	}
	three.Stop(2)
	if r := check(t, three); r.Keeps() || r.HealthyOthers != 1 {
		t.Errorf("three members, one other down: %s: keeps %v, want false", r, r.Keeps())
	}
	if r := check(t, etcdtest.Start(t, 1)); r.Keeps() || r.Quorum != 1 || r.Self != r.Members[0].ID {
		t.Errorf("a single member: %s (self %s): keeps %v, want false", r, r.Self, r.Keeps())
	}
	cl, err := etcdops.NewClient(three.PKIDir, "https://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Check(context.Background(), cl); err == nil {
		t.Error("Check against nothing: no error")
	}
}
