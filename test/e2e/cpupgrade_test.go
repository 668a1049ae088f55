//go:build e2e && cpupgrade

package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestControlPlaneUpgrade upgrades a disk-booted control plane while it runs Kubernetes
// (make test-cpupgrade): a one-node cluster booted from its disk (UEFI, A/B slots) comes up
// Ready; an upgrade without --force is refused, naming etcd's quorum (the node is etcd's only
// member), with nothing written; forced, the node writes slot b, reboots into it on trial and
// marks it good only once its Kubernetes node is Ready again; afterwards the objects etcd held
// and the image imported into containerd before the upgrade are still there (EPHEMERAL), and a
// pod runs from that image without pulling. Kept out of test-e2e for CI's time: 7 minutes
// under TCG here (Ready 2 min 28 s after create, the forced upgrade 2 min 58 s), besides the
// disk images it shares with the other disk tests.
func TestControlPlaneUpgrade(t *testing.T) {
	key, v1, v2 := diskImages(t)
	e := newEnv(t)
	k := newKubectl(t, e)
	tools := t.TempDir()
	e.must("image", "build", "--out", tools, "--cache", filepath.Join(repoRoot(t), "_cache"), "--tool-images", "busybox")

	name, ip := "e2e-cpup", "10.5.0.2"
	node := []string{"--nodes", ip}
	t.Cleanup(func() { _, _ = e.run("cluster", "destroy", "--name", name) })
	start := time.Now()
	e.must("cluster", "create", "--name", name, "--boot", "disk", "--image", v1,
		"--trusted-image-key", key+".pub", "--wait", "30m")
	t.Logf("disk-booted control plane Ready: %s", time.Since(start).Round(time.Second))
	ready, err := k.nodesReady()
	if err != nil || len(ready) != 1 {
		t.Fatalf("Ready nodes after cluster create: %v (%v), want 1", ready, err)
	}
	cp := ready[0]

	// What must outlive the upgrade: an object in etcd and an image in containerd.
	k.must("create", "configmap", "before-upgrade", "--from-literal=kept=yes")
	busybox := "cairn.local/e2e-test-images/busybox:1.37.0-1"
	e.must(append([]string{"image", "import", filepath.Join(tools, "busybox.tar")}, node...)...)

	out, err := e.run(append([]string{"upgrade", "--image", v2}, node...)...)
	if err == nil || !strings.Contains(err.Error(), "quorum") {
		t.Fatalf("upgrade of etcd's only member without --force: %v, want a refusal that names the quorum:\n%s", err, out)
	}
	wantSlots(t, e, time.Minute, "v0.1.0-e2e", "a", map[string]string{"a": "v0.1.0-e2e good", "b": " empty"}, node...)

	start = time.Now()
	e.must(append([]string{"upgrade", "--image", v2, "--force", "--wait", "--wait-timeout", "40m"}, node...)...)
	t.Logf("control plane upgraded with Kubernetes running (call to new version marked good): %s", time.Since(start).Round(time.Second))
	wantSlots(t, e, time.Minute, "v0.2.0-e2e", "b", map[string]string{"a": "v0.1.0-e2e good", "b": "v0.2.0-e2e good"}, node...)
	console := readFile(t, filepath.Join(e.vars["XDG_STATE_HOME"], "cairn", "clusters", name, name+"-cp1.console.log"))
	if i := strings.LastIndex(console, "trial passed: slot marked good"); i < 0 || !strings.Contains(console[i:], "Kubernetes node Ready") {
		t.Errorf("the new slot was not marked good after a check of its Kubernetes node:\n%s", tail(console, 30))
	}

	if got := k.must("get", "configmap", "before-upgrade", "-o", "jsonpath={.data.kept}"); strings.TrimSpace(got) != "yes" {
		t.Errorf("ConfigMap made before the upgrade: kept=%q, want yes", got)
	}
	k.apply(`apiVersion: v1
kind: Pod
metadata: {name: after-upgrade}
spec:
  nodeName: ` + cp + `
  restartPolicy: Never
  tolerations: [{operator: Exists}]
  containers:
  - {name: c, image: ` + busybox + `, imagePullPolicy: Never, command: [sh, -c, "echo kept"]}
`)
	k.must("wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/after-upgrade", "--timeout=10m")
	if got := k.must("logs", "pod/after-upgrade"); strings.TrimSpace(got) != "kept" {
		t.Errorf("pod from the image imported before the upgrade printed %q, want kept", got)
	}
}
