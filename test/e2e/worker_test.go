//go:build e2e

package e2e

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestWorkerJoins boots a control plane and a worker: the worker joins through trustd from its
// own address (its certificate may name only that address and is marked a worker's), answers
// through the control plane's proxy, and refuses, before any byte of it is sent, a
// control-plane configuration with the CA keys, directly or through the proxy.
func TestWorkerJoins(t *testing.T) {
	img := buildImage(t)
	e := newEnv(t)
	name, worker := "e2e-w", "10.5.0.3"
	t.Cleanup(func() { _, _ = e.run("cluster", "destroy", "--name", name) })
	e.must("cluster", "create", "--name", name, "--kubernetes=false", "--workers", "1", "--image", img, "--wait", "5m")
	if out := e.must("version", "-n", worker); !strings.Contains(out, "Node") {
		t.Errorf("version -n %s printed no node:\n%s", worker, out)
	}
	cp := filepath.Join(e.vars["XDG_STATE_HOME"], "cairn", "clusters", name, name+"-cp1.yaml")
	out, err := e.run("apply-config", "-f", cp, "-n", worker)
	if err == nil || !strings.Contains(err.Error(), "not a control-plane node") {
		t.Errorf("apply-config of the control-plane configuration to worker %s: %v, want a refusal naming it not a control-plane node\n%s", worker, err, out)
	}
}
