//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestEtcdRecoverFrom restores a control plane from an etcd snapshot over the API: a one-node
// cluster holds a ConfigMap; cairnctl etcd snapshot saves etcd (checked against etcd's own
// sha256); the node reboots, and since it boots the kernel and initramfs its /var is in memory,
// so it comes back a fresh control plane with the same configuration and no etcd data. A
// truncated copy of the snapshot is refused before anything is sent, and the node stays
// unbootstrapped; cairnctl bootstrap --recover-from the whole snapshot brings Kubernetes back
// with the ConfigMap made before the snapshot (and not the one made after it), the node Ready.
func TestEtcdRecoverFrom(t *testing.T) {
	img := buildImage(t)
	e := newEnv(t)
	k := newKubectl(t, e)
	name, ip := "e2e-recover", "10.5.0.2"
	node := []string{"-n", ip}
	t.Cleanup(func() { _, _ = e.run("cluster", "destroy", "--name", name) })
	e.must("cluster", "create", "--name", name, "--image", img, "--wait", "20m")
	k.must("create", "configmap", "before-snapshot", "--from-literal=kept=yes")

	dir := t.TempDir()
	snap := filepath.Join(dir, "etcd.db")
	start := time.Now()
	e.must(append([]string{"etcd", "snapshot", snap}, node...)...)
	fi, err := os.Stat(snap)
	must(t, err)
	t.Logf("etcd snapshot of a fresh one-node cluster: %d bytes in %s", fi.Size(), time.Since(start).Round(time.Millisecond))
	k.must("create", "configmap", "after-snapshot", "--from-literal=kept=no")

	bootID := func() string {
		out, err := e.run(append([]string{"read", "/proc/sys/kernel/random/boot_id"}, node...)...)
		if err != nil {
			return ""
		}
		return strings.TrimSpace(out)
	}
	before := bootID()
	if before == "" {
		t.Fatal("the node's boot id is unreadable")
	}
	e.must(append([]string{"reboot"}, node...)...)
	waitFor(t, "the node's API after its reboot", 10*time.Minute, func() error {
		if now := bootID(); now == "" || now == before {
			return fmt.Errorf("boot id %q, before the reboot %q", now, before)
		}
		return nil
	})

	// A truncated snapshot is refused by cairnctl before anything is sent.
	data, err := os.ReadFile(snap)
	must(t, err)
	cut := filepath.Join(dir, "cut.db")
	must(t, os.WriteFile(cut, data[:len(data)/2], 0o600))
	if out, err := e.run(append([]string{"bootstrap", "--recover-from", cut}, node...)...); err == nil || !strings.Contains(err.Error(), "nothing was sent") {
		t.Fatalf("bootstrap --recover-from a truncated snapshot: %v, want a refusal with nothing sent:\n%s", err, out)
	}

	// The rebooted node fetches its configuration again before it takes a bootstrap: until
	// then it refuses, changing nothing.
	start = time.Now()
	waitFor(t, "bootstrap --recover-from accepted", 10*time.Minute, func() error {
		_, err := e.run(append([]string{"bootstrap", "--recover-from", snap}, node...)...)
		if err != nil && !strings.Contains(err.Error(), "configuration") {
			t.Fatalf("bootstrap --recover-from: %v", err)
		}
		return err
	})
	waitFor(t, "the ConfigMap from before the snapshot, through the restored etcd", 15*time.Minute, func() error {
		out, err := k.quiet("get", "configmap", "before-snapshot", "-o", "jsonpath={.data.kept}")
		if err == nil && strings.TrimSpace(out) != "yes" {
			err = fmt.Errorf("kept=%q, want yes", out)
		}
		return err
	})
	t.Logf("bootstrap --recover-from to the restored ConfigMap answering: %s", time.Since(start).Round(time.Second))
	if out, err := k.quiet("get", "configmap", "after-snapshot"); err == nil || !strings.Contains(out+err.Error(), "NotFound") {
		t.Errorf("a ConfigMap made after the snapshot: %v, want NotFound after the restore:\n%s", err, out)
	}
	waitFor(t, "the node Ready again", 15*time.Minute, func() error {
		ready, err := k.nodesReady()
		if err == nil && len(ready) != 1 {
			err = fmt.Errorf("Ready nodes: %v", ready)
		}
		return err
	})
}
