//go:build e2e && conformance

package e2e

import (
	"os"
	"testing"
	"time"
)

// conformanceFocus selects the upstream [Conformance] tests make test-conformance runs: the
// groups the issue names (pods, ConfigMaps and Secrets as environment and volumes,
// networking, DNS, Services). CAIRN_CONFORMANCE_FOCUS replaces it (a Ginkgo regular
// expression).
const conformanceFocus = `\[sig-(node|storage|network)\] (ConfigMap|Secrets|Projected configMap|Projected secret|Pods|Networking|DNS|Services) .*\[Conformance\]`

// TestConformance runs the upstream Kubernetes end-to-end binary (make e2e-test, built from
// the pinned module) against a cluster of one control plane and one worker: the
// [Conformance] tests of conformanceFocus, one after another (runConformance). Not in make
// test-e2e (CI's time: about 40 minutes under TCG): make test-conformance. TestKubernetes
// runs a part of them in CI (conformanceCI).
func TestConformance(t *testing.T) {
	img := buildImage(t)
	e := newEnv(t)
	k := newKubectl(t, e)
	images := buildConformanceImages(t, e)
	name := "e2e-conformance"
	t.Cleanup(func() { _, _ = e.run("cluster", "destroy", "--name", name) })
	start := time.Now()
	e.must("cluster", "create", "--name", name, "--workers", "1", "--image", img, "--wait", "30m")
	t.Logf("cluster create (1 control plane, 1 worker): %v", time.Since(start).Round(time.Second))
	if ready, err := k.nodesReady(); err != nil || len(ready) != 2 {
		t.Fatalf("Ready nodes after cluster create: %v (%v), want 2", ready, err)
	}
	focus := conformanceFocus
	if f := os.Getenv("CAIRN_CONFORMANCE_FOCUS"); f != "" {
		focus = f
	}
	runConformance(t, e, k, images, []string{"10.5.0.2", "10.5.0.3"}, focus, os.Getenv("CAIRN_CONFORMANCE_REPORT"), 4*time.Hour)
}
