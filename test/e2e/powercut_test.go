//go:build e2e && powercut

package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cairn-os/cairn/internal/provision/qemu"
)

// cutPoint is a moment of an upgrade at which the power goes: the console line machined logs
// there ("" for a fixed delay after the upload starts), and the slot the node must come back on.
type cutPoint struct {
	name, marker string
	delay        time.Duration
	wantSlot     string
}

// TestDiskUpgradePowerCut kills the node's QEMU at five points of an upgrade (while the image
// streams, after the inactive slot's entry is removed, after its partition is written, after
// its boot files are written, after its entry is in place) and checks that every time the node
// comes back, from the old slot or (after the last point) the new one, never neither.
func TestDiskUpgradePowerCut(t *testing.T) {
	key, v1, v2 := diskImages(t)
	e := newEnv(t)
	name, node := "e2e-powercut", "e2e-powercut-cp1"
	t.Cleanup(func() { _, _ = e.run("cluster", "destroy", "--name", name) })
	e.must("cluster", "create", "--name", name, "--boot", "disk", "--kubernetes=false", "--image", v1,
		"--trusted-image-key", key+".pub", "--wait", "10m")
	dir := filepath.Join(e.vars["XDG_STATE_HOME"], "cairn", "clusters", name)
	console := filepath.Join(dir, node+".console.log")
	for _, p := range []cutPoint{
		{name: "while the image streams", delay: 3 * time.Second, wantSlot: "a"},
		{name: "after slot b's entry is removed", marker: "upgrade: the slot's boot entry is removed", wantSlot: "a"},
		{name: "after slot b's partition is written", marker: "upgrade: partition written and read back", wantSlot: "a"},
		{name: "after slot b's boot files are written", marker: "upgrade: boot files written", wantSlot: "a"},
		{name: "after slot b's entry is in place", marker: "upgrade written", wantSlot: "b"},
	} {
		start := time.Now()
		cutDuringUpgrade(t, e, dir, node, console, v2, p)
		e.must("cluster", "start", "--name", name, "--wait", "10m")
		if p.wantSlot == "a" {
			wantSlots(t, e, 5*time.Minute, "v0.1.0-e2e", "a", map[string]string{"a": "v0.1.0-e2e good", "b": " empty"})
		} else {
			wantSlots(t, e, 5*time.Minute, "v0.2.0-e2e", "b", map[string]string{"a": "v0.1.0-e2e good", "b": "v0.2.0-e2e good"})
		}
		t.Logf("power cut %s: back on slot %s after %s", p.name, p.wantSlot, time.Since(start).Round(time.Second))
	}
}

// cutDuringUpgrade starts a staged upgrade and kills the node's QEMU at the point p names.
func cutDuringUpgrade(t *testing.T, e *env, dir, node, console, img string, p cutPoint) {
	t.Helper()
	before := len(readFile(t, console))
	done := make(chan error, 1)
	go func() { _, err := e.run("upgrade", "--image", img, "--stage"); done <- err }()
	if p.marker == "" {
		time.Sleep(p.delay)
	} else {
		waitFor(t, fmt.Sprintf("console line %q", p.marker), 10*time.Minute, func() error {
			if strings.Contains(readFile(t, console)[before:], p.marker) {
				return nil
			}
			select {
			case err := <-done:
				return fmt.Errorf("the upgrade ended before the point: %w", err)
			default:
				return fmt.Errorf("not yet")
			}
		})
	}
	st, err := qemu.LoadState(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(st.QEMU[node], syscall.SIGKILL); err != nil {
		t.Fatalf("kill QEMU of %s: %v", node, err)
	}
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatalf("the upgrade call did not end after its node's power was cut")
	}
}
