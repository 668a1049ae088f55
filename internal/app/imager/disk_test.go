package imager

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diskfs/go-diskfs/filesystem"
)

// diskFixture builds the slot pieces from small fake inputs (random bytes for the kernel,
// initramfs, squashfs and boot loader: dm-verity and the disk layout do not look inside).
func diskFixture(t *testing.T) (*builder, *diskParts) {
	t.Helper()
	m, err := DefaultManifest()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := func(name string, size int) string {
		data := make([]byte, size)
		_, _ = rand.Read(data)
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	b := &builder{m: m, tag: "v1.2.3-test", epoch: 1700000000, out: io.Discard}
	b.in = inputs{kernel: file("vmlinuz", 300_000), initramfs: file("initramfs", 500_000), sqsh: file("rootfs.sqsh", 700_001)}
	p := &diskParts{kernel: b.in.kernel, initramfs: file("disk-initramfs", 200_000), loader: file("BOOTX64.EFI", 100_000), slot: filepath.Join(dir, "slot.img")}
	vp, err := writeSlot(b.in.sqsh, p.slot)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.describe(p, vp); err != nil {
		t.Fatal(err)
	}
	return b, p
}

// needTool returns the path of a host tool a test runs, skipping the test outside CI when it
// is missing (.ci/run installs its Debian package).
func needTool(t *testing.T, tool, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not installed in CI: .ci/run must apt-get install %s", tool, pkg)
		}
		t.Skipf("%s not installed (apt-get install %s)", tool, pkg)
	}
	return p
}

// veritysetupVerify runs the real veritysetup on a slot image (data and tree in one file).
func veritysetupVerify(t *testing.T, slot string, v VerityResult) error {
	t.Helper()
	vs := needTool(t, "veritysetup", "cryptsetup-bin")
	out, err := exec.Command(vs, "verify", slot, slot, v.RootHash, fmt.Sprintf("--hash-offset=%d", v.HashOffset)).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: %s", err, out)
	}
	return nil
}

// readFS returns the named files of a go-diskfs file system.
func readFS(t *testing.T, fs filesystem.FileSystem, names ...string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, n := range names {
		f, err := fs.OpenFile(n, os.O_RDONLY)
		if err != nil {
			t.Fatalf("open %s: %v", n, err)
		}
		data, err := io.ReadAll(f)
		_ = f.Close()
		if err != nil {
			t.Fatalf("read %s: %v", n, err)
		}
		out[n] = data
	}
	return out
}

func sameFile(t *testing.T, name string, got []byte, src string) {
	t.Helper()
	want, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: %d bytes differ from %s (%d bytes)", name, len(got), src, len(want))
	}
}

func TestSlotEntry(t *testing.T) {
	_, p := diskFixture(t)
	got := string(firstEntry(p.desc).Render())
	v := p.desc.Verity
	want := "title Cairn v1.2.3-test (slot A)\nsort-key cairn\nversion 1\nlinux /cairn/a/vmlinuz\ninitrd /cairn/a/initramfs\n" +
		"options console=ttyS0 panic=10 lockdown=integrity cairn.verity.roothash=" + v.RootHash + " cairn.verity.salt=" + v.Salt +
		fmt.Sprintf(" cairn.verity.hashoffset=%d cairn.slot=a\n", v.HashOffset)
	if got != want {
		t.Errorf("firstEntry().Render() =\n%s\nwant\n%s", got, want)
	}
	if !strings.Contains(liveEntry("v1", []string{"console=ttyS0"}), "options console=ttyS0\n") || strings.Contains(liveEntry("v1", nil), "cairn.slot") {
		t.Errorf("liveEntry() = %q", liveEntry("v1", nil))
	}
}
