package machined

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-os/cairn/internal/pkg/etcdquorum"
	"github.com/cairn-os/cairn/internal/pkg/osimage"
	"github.com/cairn-os/cairn/internal/pkg/sdboot"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// slotFixture is a node booted from slot a: an ESP directory with a good entry for a, a fake
// sysfs listing CAIRN-A and CAIRN-B, and regular files standing in for the partitions.
type slotFixture struct {
	d       *diskSlots
	key     *ecdsa.PrivateKey
	reboots int
	partB   string
}

func newSlotFixture(t *testing.T) *slotFixture {
	t.Helper()
	root := t.TempDir()
	f := &slotFixture{key: mustKey(t)}
	esp := sdboot.ESP{Dir: filepath.Join(root, "esp")}
	must(t, os.MkdirAll(filepath.Join(esp.Dir, sdboot.EntriesDir), 0o755))
	must(t, esp.AddEntry(sdboot.Entry{Slot: "a", Generation: 1, TriesLeft: -1, Version: "v1"}))
	sys, dev := filepath.Join(root, "sys"), filepath.Join(root, "dev")
	must(t, os.MkdirAll(dev, 0o755))
	for name, label := range map[string]string{"vda2": "CAIRN-A", "vda3": "CAIRN-B", "vda4": "CAIRN-META"} {
		d := filepath.Join(root, "devices", "vda", name)
		must(t, os.MkdirAll(d, 0o755))
		must(t, os.WriteFile(filepath.Join(d, "uevent"), []byte("DEVTYPE=partition\nDEVNAME="+name+"\nPARTNAME="+label+"\n"), 0o644))
		must(t, os.MkdirAll(sys, 0o755))
		must(t, os.Symlink(d, filepath.Join(sys, name)))
		must(t, os.WriteFile(filepath.Join(dev, name), bytes.Repeat([]byte{'o'}, 64<<10), 0o600))
	}
	f.partB = filepath.Join(dev, "vda3")
	f.d = &diskSlots{log: slog.New(slog.DiscardHandler), esp: esp, booted: "a", sys: sys, dev: dev,
		spool: filepath.Join(root, "var", "spool"), deadline: func() time.Duration { return time.Second }, settle: 50 * time.Millisecond, poll: 10 * time.Millisecond,
		trusted: func() ([]*ecdsa.PublicKey, error) { return []*ecdsa.PublicKey{&f.key.PublicKey}, nil },
		reboot:  func() error { f.reboots++; return nil }}
	return f
}

func mustKey(t *testing.T) *ecdsa.PrivateKey {
	k, err := pki.GenerateKey()
	must(t, err)
	return k
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// image is a signed OS image of small files; root is the slot content.
func image(t *testing.T, k *ecdsa.PrivateKey, version string, root []byte) []byte {
	t.Helper()
	dir := t.TempDir()
	paths := map[string]string{}
	for name, data := range map[string][]byte{osimage.FileKernel: []byte("kernel " + version), osimage.FileInitramfs: []byte("initramfs"),
		osimage.FileRoot: root, osimage.FileBootloader: []byte("boot loader")} {
		paths[name] = filepath.Join(dir, name)
		must(t, os.WriteFile(paths[name], data, 0o600))
	}
	var b bytes.Buffer
	_, err := osimage.WriteFiles(&b, osimage.Manifest{Version: version, Arch: "amd64", KernelArgs: []string{"console=ttyS0"},
		Verity: osimage.Verity{RootHash: strings.Repeat("ab", 32), Salt: strings.Repeat("cd", 32), HashOffset: 4096}}, paths, k)
	must(t, err)
	return b.Bytes()
}

func entryNames(t *testing.T, d *diskSlots) string {
	es, err := d.esp.Entries()
	must(t, err)
	var n []string
	for _, e := range es {
		n = append(n, e.FileName())
	}
	return strings.Join(n, " ")
}

func TestUpgradeWritesTheOtherSlotOnTrial(t *testing.T) {
	f := newSlotFixture(t)
	root := bytes.Repeat([]byte("root"), 2048)
	res, err := f.d.Upgrade(context.Background(), bytes.NewReader(image(t, f.key, "v2", root)), UpgradeOptions{})
	must(t, err)
	if res.Slot != "b" || res.Version != "v2" || res.Generation != 2 || !res.Rebooting || f.reboots != 1 {
		t.Errorf("Upgrade = %+v, reboots %d", res, f.reboots)
	}
	if got := entryNames(t, f.d); got != "cairn-2-b+3.conf cairn-1-a.conf" {
		t.Errorf("entries after upgrade: %s", got)
	}
	part, _ := os.ReadFile(f.partB)
	if !bytes.HasPrefix(part, root) {
		t.Errorf("slot b's partition does not start with the root image")
	}
	e, _, _ := f.d.esp.Slot("b")
	if opts := strings.Join(e.Options, " "); !strings.Contains(opts, "console=ttyS0 cairn.slot=b cairn.verity.roothash=abab") || !strings.Contains(opts, "cairn.verity.hashoffset=4096") {
		t.Errorf("slot b's command line: %s", opts)
	}
	if k, _ := os.ReadFile(filepath.Join(f.d.esp.Dir, sdboot.KernelPath("b"))); string(k) != "kernel v2" {
		t.Errorf("slot b's kernel: %q", k)
	}
	if left, _ := os.ReadDir(f.d.spool); len(left) != 0 {
		t.Errorf("spool not emptied: %v", left)
	}
	slots, err := f.d.Slots()
	must(t, err)
	if b := slots[1]; b.Signer != osimage.KeyID(&f.key.PublicKey) || b.Written.IsZero() || slots[0].Signer != "" {
		t.Errorf("Slots() = %+v; want slot b's signer and write time from META", slots)
	}
	// On trial, no second upgrade from the new slot until it is decided.
	f.d.booted = "b"
	if _, err := f.d.Upgrade(context.Background(), bytes.NewReader(nil), UpgradeOptions{Stage: true}); err == nil || !strings.Contains(err.Error(), "on trial") {
		t.Errorf("upgrade during a trial: %v", err)
	}
}

func TestUpgradeRefusedWritesNothing(t *testing.T) {
	f := newSlotFixture(t)
	good := image(t, f.key, "v2", bytes.Repeat([]byte("root"), 2048))
	corrupt := append([]byte(nil), good...)
	corrupt[bytes.LastIndex(corrupt, []byte("rootroot"))] ^= 1
	for _, tc := range []struct{ name, img, want string }{
		{"foreign key", string(image(t, mustKey(t), "v2", bytes.Repeat([]byte("root"), 2048))), "not in machine.upgrade.trustedKeys"},
		{"not an image", "hello", "image refused, nothing was written"},
		{"corrupt root", string(corrupt), "root.verity has sha256"},
		{"truncated", string(good[:len(good)/2]), "nothing was written"},
	} {
		_, err := f.d.Upgrade(context.Background(), strings.NewReader(tc.img), UpgradeOptions{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want %q", tc.name, err, tc.want)
		}
		if got := entryNames(t, f.d); got != "cairn-1-a.conf" {
			t.Errorf("%s: entries %s; want only slot a's", tc.name, got)
		}
		if part, _ := os.ReadFile(f.partB); !bytes.Equal(part, bytes.Repeat([]byte{'o'}, 64<<10)) {
			t.Errorf("%s: slot b's partition was written", tc.name)
		}
	}
	if f.reboots != 0 {
		t.Errorf("%d reboots after refusals", f.reboots)
	}
}

func TestUpgradeTrustsNoKey(t *testing.T) {
	f := newSlotFixture(t)
	f.d.trusted = func() ([]*ecdsa.PublicKey, error) { return nil, nil }
	_, err := f.d.Upgrade(context.Background(), strings.NewReader("x"), UpgradeOptions{Stage: true})
	if err == nil || !strings.Contains(err.Error(), "machine.upgrade.trustedKeys is empty") {
		t.Errorf("Upgrade with no trusted key: %v", err)
	}
}

func TestTrialBlessAndFail(t *testing.T) {
	f := newSlotFixture(t)
	_, err := f.d.Upgrade(context.Background(), bytes.NewReader(image(t, f.key, "v2", bytes.Repeat([]byte("root"), 2048))), UpgradeOptions{Stage: true})
	must(t, err)
	f.d.booted = "b" // the reboot into the new slot
	f.d.watchTrial(context.Background(), func(context.Context) (string, error) { return "test", nil })
	if got := entryNames(t, f.d); got != "cairn-2-b.conf cairn-1-a.conf" || f.reboots != 0 {
		t.Errorf("healthy trial: entries %s, reboots %d; want b blessed, no reboot", got, f.reboots)
	}

	f = newSlotFixture(t)
	_, err = f.d.Upgrade(context.Background(), bytes.NewReader(image(t, f.key, "v2", bytes.Repeat([]byte("root"), 2048))), UpgradeOptions{Stage: true})
	must(t, err)
	f.d.booted = "b"
	f.d.deadline = func() time.Duration { return 100 * time.Millisecond }
	f.d.watchTrial(context.Background(), func(context.Context) (string, error) { return "test", errors.New("kubelet Backoff") })
	if got := entryNames(t, f.d); got != "cairn-2-b+0-1.conf cairn-1-a.conf" || f.reboots != 1 {
		t.Errorf("failed trial: entries %s, reboots %d; want b bad and a reboot", got, f.reboots)
	}
	slots, err := f.d.Slots()
	must(t, err)
	if slots[0].Status != "good" || slots[1].Status != "bad" || !slots[1].Active {
		t.Errorf("Slots() = %+v", slots)
	}
}

func TestRollback(t *testing.T) {
	f := newSlotFixture(t)
	if _, err := f.d.Rollback(context.Background()); err == nil || !strings.Contains(err.Error(), "slot b holds no image that booted well (empty)") {
		t.Fatalf("rollback with an empty slot b: %v", err)
	}
	_, err := f.d.Upgrade(context.Background(), bytes.NewReader(image(t, f.key, "v2", bytes.Repeat([]byte("root"), 2048))), UpgradeOptions{Stage: true})
	must(t, err)
	f.d.booted = "b"
	f.d.watchTrial(context.Background(), func(context.Context) (string, error) { return "test", nil })
	si, err := f.d.Rollback(context.Background())
	must(t, err)
	if si.Name != "a" || si.Generation != 3 || f.reboots != 1 {
		t.Errorf("Rollback = %+v, reboots %d", si, f.reboots)
	}
	if got := entryNames(t, f.d); got != "cairn-3-a.conf cairn-2-b.conf" {
		t.Errorf("entries after rollback: %s", got)
	}
}

func TestUpgradeChecksEtcdQuorum(t *testing.T) {
	f := newSlotFixture(t)
	lonely := etcdquorum.Report{Self: "1", Members: []etcdquorum.Member{{ID: "1"}}, Quorum: 1}
	f.d.etcdQuorum = func(context.Context) (etcdquorum.Report, error) { return lonely, nil }
	img := image(t, f.key, "v2", bytes.Repeat([]byte("root"), 2048))
	_, err := f.d.Upgrade(context.Background(), bytes.NewReader(img), UpgradeOptions{Stage: true})
	if err == nil || !strings.Contains(err.Error(), "etcd has 1 voting member(s); a quorum is 1; without this member 0 healthy one(s) remain") ||
		!strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("upgrade of the only etcd member: %v", err)
	}
	if got := entryNames(t, f.d); got != "cairn-1-a.conf" {
		t.Errorf("entries after the refusal: %s", got)
	}
	if _, err := f.d.Upgrade(context.Background(), bytes.NewReader(img), UpgradeOptions{Stage: true, Force: true}); err != nil {
		t.Errorf("forced upgrade: %v", err)
	}
	f = newSlotFixture(t)
	f.d.etcdQuorum = func(context.Context) (etcdquorum.Report, error) { return etcdquorum.Report{}, errNoEtcd }
	if _, err := f.d.Upgrade(context.Background(), bytes.NewReader(image(t, f.key, "v2", bytes.Repeat([]byte("root"), 2048))), UpgradeOptions{Stage: true}); err != nil {
		t.Errorf("upgrade of a node without etcd: %v", err)
	}
}
