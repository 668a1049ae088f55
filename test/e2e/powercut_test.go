//go:build e2e && powercut

package e2e

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cairn-os/cairn/internal/provision/qemu"
)

// Console lines machined logs as an upgrade goes (internal/app/machined/slots_upgrade.go).
const (
	markPartition = "upgrade: the slot's boot entry is removed; writing its partition"
	markBootFiles = "upgrade: partition written and read back; writing the boot files"
	markEntry     = "upgrade: boot files written; adding the boot entry"
	markWritten   = "upgrade written"
)

// cutPoint is a moment of an upgrade at which the power goes: the console line after which
// the cut comes ("" for a fixed delay after the upload starts), and what the node must come
// back on: the old image, the new one, or either (the cut lands in a window of milliseconds in
// which the new entry may or may not have reached the disk).
type cutPoint struct {
	name, marker string
	delay        time.Duration
	want         outcome
}

type outcome int

const (
	oldImage outcome = iota
	newImage
	either
)

// TestDiskUpgradePowerCut kills the node's QEMU at five points of an upgrade (while the image
// streams, while the inactive slot's partition is written, while its boot files are written,
// as its boot entry is added, after the upgrade is written) and checks that every time the
// node comes back on the old image or the new one, never neither, with its slots as the
// point implies. A cut that lands later than aimed (the console already shows the upgrade
// written) must come back on the new image.
func TestDiskUpgradePowerCut(t *testing.T) {
	key, v1, v2 := diskImages(t)
	e := newEnv(t)
	name, node := "e2e-powercut", "e2e-powercut-cp1"
	t.Cleanup(func() { _, _ = e.run("cluster", "destroy", "--name", name) })
	e.must("cluster", "create", "--name", name, "--boot", "disk", "--kubernetes=false", "--image", v1,
		"--trusted-image-key", key+".pub", "--wait", "10m")
	dir := filepath.Join(e.vars["XDG_STATE_HOME"], "cairn", "clusters", name)
	console := filepath.Join(dir, node+".console.log")
	// What each slot holds ("version status") and which one runs.
	s := slotsNow{active: "a", slots: map[string]string{"a": "v0.1.0-e2e good", "b": " empty"}, tag: "v0.1.0-e2e"}
	for _, p := range []cutPoint{
		{name: "while the image streams", delay: 3 * time.Second, want: oldImage},
		{name: "while slot b's partition is written", marker: markPartition, want: oldImage},
		{name: "while slot b's boot files are written", marker: markBootFiles, want: oldImage},
		{name: "as slot b's boot entry is added", marker: markEntry, want: either},
		{name: "after the upgrade is written", marker: markWritten, want: newImage},
	} {
		start := time.Now()
		seen := cutDuringUpgrade(t, e, dir, node, console, v2, p)
		want := p.want
		if strings.Contains(seen, markWritten) {
			want = newImage // the entry was on the disk before the cut
		}
		e.must("cluster", "start", "--name", name, "--wait", "10m")
		old, upgraded := s.after(false), s.after(true)
		var got slotsNow
		switch want {
		case oldImage:
			got = old
		case newImage:
			got = upgraded
		}
		waitFor(t, fmt.Sprintf("power cut %s: the node back on %v", p.name, map[outcome]string{oldImage: "the old image", newImage: "the new image", either: "the old or the new image"}[want]), 5*time.Minute, func() error {
			v, err := readVersion(e)
			if err != nil {
				return err
			}
			if want == either {
				for _, c := range []slotsNow{old, upgraded} {
					if c.matches(v) == nil {
						got = c
						return nil
					}
				}
				return fmt.Errorf("neither the old image (%+v) nor the new one (%+v): %+v", old, upgraded, v)
			}
			return got.matches(v)
		})
		s = got
		t.Logf("power cut %s: back on slot %s (%s) after %s", p.name, s.active, s.tag, time.Since(start).Round(time.Second))
	}
}

// slotsNow is what the node runs and what its slots hold.
type slotsNow struct {
	tag, active string
	slots       map[string]string
}

// after is what the node holds after a cut during an upgrade to v0.2.0-e2e: the upgrade's
// target slot holds nothing bootable (its entry was removed first), or the upgrade is whole
// and the node runs it from the target slot (marked good after its trial).
func (s slotsNow) after(upgraded bool) slotsNow {
	target := map[string]string{"a": "b", "b": "a"}[s.active]
	n := slotsNow{tag: s.tag, active: s.active, slots: map[string]string{s.active: s.slots[s.active], target: " empty"}}
	if upgraded {
		n.tag, n.active = "v0.2.0-e2e", target
		n.slots[target] = "v0.2.0-e2e good"
	}
	return n
}

func (s slotsNow) matches(v nodeVersion) error {
	if v.Tag != s.tag || !v.Slots[s.active].Active {
		return fmt.Errorf("runs %s, slots %+v; want %s from slot %s", v.Tag, v.Slots, s.tag, s.active)
	}
	for name, w := range s.slots {
		if got := v.Slots[name].Version + " " + v.Slots[name].Status; got != w {
			return fmt.Errorf("slot %s is %q, want %q (slots %+v)", name, got, w, v.Slots)
		}
	}
	return nil
}

// cutDuringUpgrade starts a staged upgrade, kills the node's QEMU at the point p names and
// waits for it to be gone. It returns what the console showed of the upgrade when the power
// went. The console is read every 10ms so that the cut comes close after its line.
func cutDuringUpgrade(t *testing.T, e *env, dir, node, console, img string, p cutPoint) string {
	t.Helper()
	f, err := os.Open(console)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		t.Fatal(err)
	}
	st, err := qemu.LoadState(dir)
	if err != nil {
		t.Fatal(err)
	}
	pid := st.QEMU[node]
	done := make(chan error, 1)
	go func() { _, err := e.run("upgrade", "--image", img, "--stage"); done <- err }()
	var seen strings.Builder
	buf := make([]byte, 64<<10)
	read := func() {
		for {
			n, err := f.Read(buf)
			seen.Write(buf[:n])
			if n == 0 || err != nil {
				return
			}
		}
	}
	deadline := time.Now().Add(10 * time.Minute)
	start := time.Now()
	for {
		read()
		if p.marker == "" && time.Since(start) >= p.delay || p.marker != "" && strings.Contains(seen.String(), p.marker) {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("power cut %s: the upgrade ended before the point (%v); console:\n%s", p.name, err, seen.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("power cut %s: no console line %q within 10m", p.name, p.marker)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill QEMU of %s (pid %d): %v", node, pid, err)
	}
	// Gone, its disk closed, before the node starts again.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("QEMU of %s (pid %d) still there a minute after SIGKILL", node, pid)
		}
	}
	read()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatalf("the upgrade call did not end after its node's power was cut")
	}
	return seen.String()
}
