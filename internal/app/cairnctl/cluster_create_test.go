package cairnctl

import (
	"slices"
	"testing"

	"github.com/cairn-os/cairn/internal/provision/qemu"
)

// TestContextEndpoints: a cluster's context names every control plane's forward, the first
// control plane's first, and no worker's.
func TestContextEndpoints(t *testing.T) {
	plan := &qemu.Plan{Nodes: []qemu.Node{{Name: "c-cp1", Type: "controlplane"}, {Name: "c-cp2", Type: "controlplane"},
		{Name: "c-cp3", Type: "controlplane"}, {Name: "c-w1", Type: "worker"}}}
	st := &qemu.State{Forwards: map[string]int{"c-cp1": 40001, "c-cp2": 40002, "c-cp3": 40003, "c-w1": 40004}}
	want := []string{"127.0.0.1:40001", "127.0.0.1:40002", "127.0.0.1:40003"}
	if got := contextEndpoints(plan, st); !slices.Equal(got, want) {
		t.Errorf("contextEndpoints = %v, want %v", got, want)
	}
}
