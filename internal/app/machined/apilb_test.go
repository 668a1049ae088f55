package machined

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/cairn-os/cairn/pkg/machinery/config"
)

// TestBalancerBackends: a control plane's balancer tries its own apiserver first; every node
// then the apiservers the cluster lists, then the endpoint unless it is one of them.
func TestBalancerBackends(t *testing.T) {
	listed := []netip.AddrPort{netip.MustParseAddrPort("10.5.0.2:6443"), netip.MustParseAddrPort("10.5.0.3:6443")}
	cfg := &config.Config{}
	cfg.Machine.Type = config.TypeWorker
	cfg.Cluster.ControlPlane.Endpoint = "https://10.5.0.2:6443"
	if got, want := balancerBackends(cfg, listed), []string{"10.5.0.2:6443", "10.5.0.3:6443"}; !slices.Equal(got, want) {
		t.Errorf("worker: %q, want %q", got, want)
	}
	cfg.Machine.Type = config.TypeControlPlane
	cfg.Cluster.ControlPlane.Endpoint = "https://api.example.internal:443"
	if got, want := balancerBackends(cfg, listed), []string{"127.0.0.1:6443", "10.5.0.2:6443", "10.5.0.3:6443", "api.example.internal:443"}; !slices.Equal(got, want) {
		t.Errorf("control plane: %q, want %q", got, want)
	}
	if got, want := balancerBackends(cfg, nil), []string{"127.0.0.1:6443", "api.example.internal:443"}; !slices.Equal(got, want) {
		t.Errorf("control plane, nothing listed yet: %q, want %q", got, want)
	}
}
