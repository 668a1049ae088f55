//go:build e2e

package e2e

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/cairn-os/cairn/internal/provision/qemu"
)

// TestDiskBoot boots a node under OVMF from the raw image (--boot disk): its API answers over
// mTLS, its console says it booted slot A with a verified root. Then a byte of slot A's
// squashfs is flipped on the node's disk: the next boot must not reach the API, and the
// console must say which block failed verification.
func TestDiskBoot(t *testing.T) {
	_, img, _ := diskImages(t)
	e := newEnv(t)
	name, node := "e2e-disk", "e2e-disk-cp1"
	t.Cleanup(func() { _, _ = e.run("cluster", "destroy", "--name", name) })
	e.must("cluster", "create", "--name", name, "--boot", "disk", "--kubernetes=false", "--image", img, "--wait", "10m")
	answered := time.Now()
	dir := filepath.Join(e.vars["XDG_STATE_HOME"], "cairn", "clusters", name)
	st, err := qemu.LoadState(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("disk boot: QEMU start to API answering: %s (upper bound: cluster create polls)", answered.Sub(st.Started[node]).Round(time.Second))
	if out := e.must("version"); !strings.Contains(out, node) {
		t.Errorf("version over mTLS does not name %s:\n%s", node, out)
	}
	if out := e.must("dmesg"); !strings.Contains(out, "cairn.slot=a") {
		t.Errorf("dmesg has no command line with cairn.slot=a:\n%s", out)
	}
	console := filepath.Join(dir, node+".console.log")
	log := readFile(t, console)
	for _, want := range []string{`msg="slot partition found"`, "slot=a partition=CAIRN-A", `msg="root verified"`,
		"device=/dev/mapper/cairn-root", "verity=V"} {
		if !strings.Contains(log, want) {
			t.Errorf("console lacks %q", want)
		}
	}
	corruptSlotA(t, e, name, dir, node, console)
}

// corruptSlotA flips one byte 1 MiB into slot A (inside the squashfs: data block 256) with
// the cluster stopped, starts it and expects a boot that stops at verification.
func corruptSlotA(t *testing.T, e *env, name, dir, node, console string) {
	e.must("cluster", "stop", "--name", name)
	disk := filepath.Join(dir, node+".disk.raw")
	start := gptPartition(t, disk, "CAIRN-A")
	f, err := os.OpenFile(disk, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 1)
	off := start + 1<<20
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x01
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	before := int64(len(readFile(t, console)))
	if _, err := e.run("cluster", "start", "--name", name, "--wait", "90s"); err == nil {
		t.Fatal("cluster start reached the API of a node whose root was corrupted")
	}
	after := readFile(t, console)[before:]
	if !strings.Contains(after, "root verification failed: corrupted data block 256") {
		t.Errorf("console after the corrupted boot does not say which block failed:\n%s", tail(after, 30))
	}
	for _, l := range strings.Split(after, "\n") {
		if strings.Contains(l, "boot failed") {
			t.Logf("console of the corrupted boot: %s", l)
			break
		}
	}
	if strings.Contains(after, "switched root") {
		t.Errorf("the corrupted root was switched to:\n%s", tail(after, 30))
	}
}

// gptPartition returns the byte offset of the GPT partition named name (512-byte sectors).
func gptPartition(t *testing.T, disk, name string) int64 {
	f, err := os.Open(disk)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	hdr := make([]byte, 92)
	if _, err := f.ReadAt(hdr, 512); err != nil || string(hdr[:8]) != "EFI PART" {
		t.Fatalf("%s: no GPT header (%v)", disk, err)
	}
	lba, n, size := binary.LittleEndian.Uint64(hdr[72:]), binary.LittleEndian.Uint32(hdr[80:]), binary.LittleEndian.Uint32(hdr[84:])
	ent := make([]byte, size)
	for i := uint32(0); i < n; i++ {
		if _, err := f.ReadAt(ent, int64(lba)*512+int64(i)*int64(size)); err != nil {
			t.Fatal(err)
		}
		u := make([]uint16, 36)
		for j := range u {
			u[j] = binary.LittleEndian.Uint16(ent[56+2*j:])
		}
		if strings.TrimRight(string(utf16.Decode(u)), "\x00") == name {
			return int64(binary.LittleEndian.Uint64(ent[32:])) * 512
		}
	}
	t.Fatalf("%s: no partition named %s", disk, name)
	return 0
}

func readFile(t *testing.T, p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
