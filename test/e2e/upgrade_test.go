//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// nodeVersion is what `cairnctl version -o json` says of the node.
type nodeVersion struct {
	Tag   string
	Slots map[string]slotState
}

type slotState struct {
	Version, Status string
	Active          bool
}

// readVersion asks the one node args name (none: the context's only node).
func readVersion(e *env, args ...string) (nodeVersion, error) {
	out, err := e.run(append([]string{"version", "-o", "json"}, args...)...)
	if err != nil {
		return nodeVersion{}, err
	}
	var resp struct {
		Messages []struct {
			Version struct{ Tag string }
			Slots   []struct {
				Name, Version, Status string
				Active                bool
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil || len(resp.Messages) != 1 {
		return nodeVersion{}, fmt.Errorf("version -o json: %w (%d messages)", err, len(resp.Messages))
	}
	m := resp.Messages[0]
	v := nodeVersion{Tag: m.Version.Tag, Slots: map[string]slotState{}}
	for _, s := range m.Slots {
		v.Slots[s.Name] = slotState{Version: s.Version, Status: s.Status, Active: s.Active}
	}
	return v, nil
}

// wantSlots waits until the node runs tag from slot active and the slots are as want
// ("version status" per slot). args name the node when the context has several.
func wantSlots(t *testing.T, e *env, d time.Duration, tag, active string, want map[string]string, args ...string) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%s running from slot %s with slots %v", tag, active, want), d, func() error {
		v, err := readVersion(e, args...)
		if err != nil {
			return err
		}
		if v.Tag != tag || !v.Slots[active].Active {
			return fmt.Errorf("runs %s, slots %+v", v.Tag, v.Slots)
		}
		for name, w := range want {
			if got := v.Slots[name].Version + " " + v.Slots[name].Status; got != w {
				return fmt.Errorf("slot %s is %q, want %q (slots %+v)", name, got, w, v.Slots)
			}
		}
		return nil
	})
}

// TestDiskUpgrade: a node booted from its disk keeps its configuration, identity and audit
// trail across a reboot; refuses an image signed by a foreign key and a corrupted one with
// nothing written; upgrades to a second image (another tag) through the API, which boots on
// trial and is marked good; and rolls back to the first on request.
func TestDiskUpgrade(t *testing.T) {
	key, v1, v2img := diskImages(t)
	e := newEnv(t)
	foreign := filepath.Join(t.TempDir(), "foreign")
	e.must("gen", "image-key", "-o", foreign)

	name := "e2e-upgrade"
	t.Cleanup(func() { _, _ = e.run("cluster", "destroy", "--name", name) })
	e.must("cluster", "create", "--name", name, "--boot", "disk", "--kubernetes=false", "--image", v1,
		"--trusted-image-key", key+".pub", "--wait", "10m")
	wantSlots(t, e, time.Minute, "v0.1.0-e2e", "a", map[string]string{"a": "v0.1.0-e2e good", "b": " empty"})
	persistence(t, e)

	for what, img := range map[string]string{"foreign key": resign(t, v2img, key, foreign), "corrupt": corrupted(t, v2img)} {
		out, err := e.run("upgrade", "--image", img)
		if err == nil || !strings.Contains(err.Error(), "nothing was written") {
			t.Errorf("upgrade with a %s image: %v\n%s; want refused, nothing written", what, err, out)
		}
	}
	wantSlots(t, e, time.Minute, "v0.1.0-e2e", "a", map[string]string{"b": " empty"})

	start := time.Now()
	e.must("upgrade", "--image", v2img, "--wait", "--wait-timeout", "15m")
	wantSlots(t, e, 2*time.Minute, "v0.2.0-e2e", "b", map[string]string{"a": "v0.1.0-e2e good", "b": "v0.2.0-e2e good"})
	t.Logf("upgrade: API call to the new version marked good: %s", time.Since(start).Round(time.Second))
	if out := e.must("audit", "verify"); !strings.Contains(out, "intact") {
		t.Errorf("audit chain after the upgrade:\n%s", out)
	}

	start = time.Now()
	e.must("rollback")
	wantSlots(t, e, 10*time.Minute, "v0.1.0-e2e", "a", map[string]string{"a": "v0.1.0-e2e good", "b": "v0.2.0-e2e good"})
	t.Logf("rollback: API call to the old version answering: %s", time.Since(start).Round(time.Second))

	resetWipe(t, e, filepath.Join(e.vars["XDG_STATE_HOME"], "cairn", "clusters", name, name+"-cp1.console.log"))
}

// resetWipe resets the disk-booted node twice. --wipe user formats EPHEMERAL at the next boot
// and keeps STATE (the audit trail goes on from before); --wipe all wipes both (the audit
// trail starts again). Each time the node takes its configuration from its platform again and
// its slots are untouched.
func resetWipe(t *testing.T, e *env, console string) {
	t.Helper()
	const formatted = "a reset asked for EPHEMERAL to be wiped: formatting it"
	for _, c := range []struct {
		wipe       string
		keepsAudit bool
	}{{"user", true}, {"all", false}} {
		log := readFile(t, console)
		before, boots := len(log), strings.Count(log, "switched root; starting machined")
		e.must("reset", "--wipe", c.wipe)
		waitBoots(t, e, console, boots+1) // the API answers for a moment after the reset's reply
		after := readFile(t, console)[before:]
		if !strings.Contains(after, formatted) {
			t.Errorf("reset --wipe %s: the next boot did not format EPHEMERAL:\n%s", c.wipe, tail(after, 30))
		}
		out := e.must("audit", "verify")
		if kept := strings.Contains(out, "earlier history up to seq"); kept != c.keepsAudit {
			t.Errorf("reset --wipe %s: audit trail from before the reset kept = %v, want %v:\n%s", c.wipe, kept, c.keepsAudit, out)
		}
		wantSlots(t, e, time.Minute, "v0.1.0-e2e", "a", map[string]string{"a": "v0.1.0-e2e good", "b": "v0.2.0-e2e good"})
	}
}

// corrupted writes a copy of img with one byte flipped 64 MiB in (inside root.verity).
func corrupted(t *testing.T, img string) string {
	t.Helper()
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	b[64<<20] ^= 0x01
	p := filepath.Join(t.TempDir(), "corrupt.img")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// persistence checks that STATE, /var and the ESP are partitions of the disk, reboots the node
// and checks that the audit trail on STATE came through: its chain is intact and continues
// the history from before the reboot.
func persistence(t *testing.T, e *env) {
	t.Helper()
	mounts := e.must("mounts")
	for _, want := range []string{"/system/state", "/var", "ext4", "/system/efi"} {
		if !strings.Contains(mounts, want) {
			t.Errorf("mounts lack %q:\n%s", want, mounts)
		}
	}
	before := e.must("audit", "log")
	e.must("reboot")
	waitFor(t, "the node back after a reboot", 10*time.Minute, func() error {
		out, err := e.run("audit", "verify")
		if err == nil && (!strings.Contains(out, "chain intact") || !strings.Contains(out, "earlier history up to seq")) {
			return fmt.Errorf("audit verify shows no history from before the reboot: %s", out)
		}
		return err
	})
	after := e.must("audit", "log")
	if first := strings.SplitN(before, "\n", 3); len(first) < 2 || !strings.Contains(after, first[1]) {
		t.Errorf("the audit log after the reboot does not hold the first entry from before it")
	}
}
