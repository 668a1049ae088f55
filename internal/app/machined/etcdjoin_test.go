package machined

import (
	"context"
	"net/netip"
	"slices"
	"testing"

	"github.com/cairn-os/cairn/pkg/machinery/config"
)

// TestEtcdCandidates: the members of a join's initial cluster and the endpoint's host, each
// once, on etcd's client port; never this node's own address (a control plane that was never
// bootstrapped must not join itself), its loopback only when it promotes its own member.
func TestEtcdCandidates(t *testing.T) {
	self := netip.MustParseAddr("10.5.0.3")
	cfg := &config.Config{}
	cfg.Cluster.ControlPlane.Endpoint = "https://10.5.0.2:6443"
	initial := "cp-1=https://10.5.0.2:2380,cp-2=https://10.5.0.3:2380,cp-3=https://[fd00::4]:2380"
	got := etcdCandidates(context.Background(), cfg, self, initial, true)
	want := []string{"https://127.0.0.1:2379", "https://10.5.0.2:2379", "https://[fd00::4]:2379"}
	if !slices.Equal(got, want) {
		t.Errorf("etcdCandidates = %q, want %q", got, want)
	}
	cfg.Cluster.ControlPlane.Endpoint = "https://10.5.0.3:6443"
	if got := etcdCandidates(context.Background(), cfg, self, "", false); len(got) != 0 {
		t.Errorf("a first control plane whose endpoint is itself: candidates %q, want none", got)
	}
	cfg.Cluster.ControlPlane.Endpoint = "https://cp.example.internal:6443"
	if got := etcdCandidates(context.Background(), cfg, self, "", false); !slices.Equal(got, []string{"https://cp.example.internal:2379"}) {
		t.Errorf("endpoint by name: candidates %q", got)
	}
}
