//go:build e2e && rollback

package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// This test waits out a trial of two minutes and its grace, about 8 minutes under TCG: make
// test-rollback runs it, test-e2e (and so CI, for its time) does not. TestDiskUpgradePowerCut
// (make test-powercut) and TestDiskUpgrade's rollback on request cover the slot switch too.

// TestDiskUpgradeUnhealthyRollsBack upgrades to an image whose boot never completes (its
// kernel command line names a configuration URL where nothing answers): the trial watchdog
// marks the new slot bad once machine.upgrade.trialMinutes (2, set on the node) and its
// grace have passed, and the node comes back on the old slot by itself.
func TestDiskUpgradeUnhealthyRollsBack(t *testing.T) {
	key, v1, _ := diskImages(t)
	v3 := neverConfiguredImage(t, key)
	e := newEnv(t)
	name, node := "e2e-unhealthy", "e2e-unhealthy-cp1"
	t.Cleanup(func() { _, _ = e.run("cluster", "destroy", "--name", name) })
	e.must("cluster", "create", "--name", name, "--boot", "disk", "--kubernetes=false", "--image", v1,
		"--trusted-image-key", key+".pub", "--wait", "10m")
	cfg := filepath.Join(e.vars["XDG_STATE_HOME"], "cairn", "clusters", name, node+".yaml")
	e.must("machineconfig", "patch", cfg, "-p", "{machine: {upgrade: {trialMinutes: 2}}}", "-o", cfg)
	e.must("apply-config", "-f", cfg)
	start := time.Now()
	if out, err := e.run("upgrade", "--image", v3); err != nil {
		t.Fatalf("upgrade to v3: %v\n%s", err, out)
	}
	wantSlots(t, e, 15*time.Minute, "v0.1.0-e2e", "a", map[string]string{"a": "v0.1.0-e2e good", "b": "v0.3.0-e2e bad"})
	t.Logf("automatic rollback: API call to the old version answering again: %s", time.Since(start).Round(time.Second))
}

// neverConfiguredImage builds v0.3.0-e2e, signed with key like the shared disk images, from a manifest
// whose kernel command line names a configuration URL where nothing answers.
func neverConfiguredImage(t *testing.T, key string) string {
	t.Helper()
	dir := t.TempDir()
	broken, err := brokenManifest(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	e.vars["SOURCE_DATE_EPOCH"] = "1700000000"
	out := filepath.Join(dir, "v3")
	e.must("image", "build", "--format", "signed", "--sign-key", key+".key", "--tag", "v0.3.0-e2e", "--out", out,
		"--cache", filepath.Join(repoRoot(t), "_cache"), "--manifest", broken)
	return filepath.Join(out, "cairn.img")
}

// brokenManifest writes the image manifest with a kernel argument that names a configuration
// URL on the node's own loopback, where nothing answers: a node booting it waits for its
// configuration forever, so its API never comes up. The manifest is otherwise the real one.
func brokenManifest(t *testing.T, dir string) (string, error) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "internal", "app", "imager", "manifest.yaml"))
	if err != nil {
		return "", err
	}
	const cmdline = "cmdline: [console=ttyS0, panic=10, lockdown=integrity]"
	if !bytes.Contains(data, []byte(cmdline)) {
		return "", fmt.Errorf("the image manifest has no %q line to break", cmdline)
	}
	data = bytes.Replace(data, []byte(cmdline), []byte("cmdline: [console=ttyS0, panic=10, lockdown=integrity, 'cairn.config=http://127.0.0.1:9/config']"), 1)
	p := filepath.Join(dir, "broken-manifest.yaml")
	return p, os.WriteFile(p, data, 0o600)
}
