//go:build e2e

package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cairn-os/cairn/internal/app/imager"
	"github.com/cairn-os/cairn/internal/provision/qemu"
)

var reNodeLine = regexp.MustCompile(`(?m)^Node .*$`)

// TestClusterStopStart kills a node's QEMU, sees cluster show report it stopped, brings it
// back with cluster start --node and checks its API answers with the same identity (the
// cairnconfig's CA and endpoint, the same node name and mode); then stops and starts the
// whole cluster the same way.
func TestClusterStopStart(t *testing.T) {
	img := buildImage(t)
	e := newEnv(t)
	name, node := "e2e-ss", "e2e-ss-cp1"
	t.Cleanup(func() { _, _ = e.run("cluster", "destroy", "--name", name) })
	e.must("cluster", "create", "--name", name, "--kubernetes=false", "--image", img, "--wait", "5m")
	identity := reNodeLine.FindString(e.must("version"))
	if identity == "" {
		t.Fatal("version printed no node line")
	}
	dir := filepath.Join(e.vars["XDG_STATE_HOME"], "cairn", "clusters", name)
	st, err := qemu.LoadState(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(st.QEMU[node], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "cluster show reports the killed node stopped", 30*time.Second, func() error {
		if show := e.must("cluster", "show", "--name", name); !regexp.MustCompile(node + `\s.*\sstopped\s`).MatchString(show) {
			return errors.New("node not shown stopped:\n" + show)
		}
		return nil
	})
	if _, err := e.run("version"); err == nil {
		t.Fatal("version answered with the node's QEMU killed")
	}

	out := e.must("cluster", "start", "--name", name, "--node", node)
	if !strings.Contains(out, "node "+node+": API answers") {
		t.Errorf("cluster start did not wait for the API:\n%s", out)
	}
	if got := reNodeLine.FindString(e.must("version")); got != identity {
		t.Errorf("after cluster start --node: %q, want %q", got, identity)
	}
	if show := e.must("cluster", "show", "--name", name); !strings.Contains(show, "running (pid") {
		t.Errorf("cluster show after start:\n%s", show)
	}

	e.must("cluster", "stop", "--name", name)
	if _, err := os.Stat("/run/netns/cairn-" + name); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("namespace cairn-%s still there after cluster stop (%v)", name, err)
	}
	if show := e.must("cluster", "show", "--name", name); !strings.Contains(show, "daemon stopped") {
		t.Errorf("cluster show after stop:\n%s", show)
	}
	e.must("cluster", "start", "--name", name)
	if got := reNodeLine.FindString(e.must("version")); got != identity {
		t.Errorf("after cluster start: %q, want %q", got, identity)
	}
}

// TestClusterCreateGuestPanic boots an image whose initramfs is truncated (with a manifest
// that matches it, so only the boot can tell): create stops as soon as the guest kernel
// panics and shows the console's last lines, instead of waiting --wait for an API.
func TestClusterCreateGuestPanic(t *testing.T) {
	img := brokenImage(t, buildImage(t))
	e := newEnv(t)
	name := "e2e-panic"
	t.Cleanup(func() { _, _ = e.run("cluster", "destroy", "--name", name) })
	_, err := e.run("cluster", "create", "--name", name, "--kubernetes=false", "--image", img, "--wait", "5m")
	if err == nil {
		t.Fatal("cluster create succeeded with a truncated initramfs")
	}
	for _, want := range []string{"node e2e-panic-cp1: the guest kernel panicked; console lines up to the panic", "  | ", "Kernel panic"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("cluster create error lacks %q:\n%v", want, err)
		}
	}
}

// brokenImage copies the image with its initramfs cut to 64 KiB and a manifest.json that
// matches the cut file.
func brokenImage(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	r, err := imager.ReadResult(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"vmlinuz", "initramfs"} {
		data, err := os.ReadFile(filepath.Join(src, a))
		if err != nil {
			t.Fatal(err)
		}
		if a == "initramfs" {
			data = data[:64<<10]
		}
		if err := os.WriteFile(filepath.Join(dir, a), data, 0o600); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		r.Artifacts[a] = imager.Artifact{SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))}
	}
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}
