package devmapper

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/cairn-os/cairn/internal/pkg/mount"
	"github.com/cairn-os/cairn/internal/pkg/verity"
)

// fixture is a squashfs image followed by its veritysetup superblock and hash tree, Cairn's
// slot layout. CAIRN_DM_FIXTURE names a directory holding one (the VM runner builds it on
// the host); otherwise BuildFixture makes it here.
type fixture struct {
	image string
	v     Verity
}

func needDeviceMapper(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (loop devices, device-mapper)")
	}
	misc, _ := os.ReadFile("/proc/misc")
	if !bytes.Contains(misc, []byte("device-mapper")) {
		t.Skip("this kernel has no device-mapper (no device-mapper in /proc/misc; modprobe dm-verity, " +
			"or run it in a VM: go test -tags e2e -run TestDeviceMapperInVM ./test/e2e)")
	}
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	if dir := os.Getenv("CAIRN_DM_FIXTURE"); dir != "" {
		return readFixture(t, dir)
	}
	dir := t.TempDir()
	if err := BuildFixture(dir); err != nil {
		t.Skip(err) // only mksquashfs is missing: the VM runner builds fixtures on the host
	}
	return readFixture(t, dir)
}

// BuildFixture writes image (a squashfs made with mksquashfs, then Cairn's verity.Build hash
// area) and args (root hash, salt, hash offset) into dir.
func BuildFixture(dir string) error {
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(src, "data"), fixtureData(), 0o644); err != nil {
		return err
	}
	img := filepath.Join(dir, "image")
	if out, err := exec.Command("mksquashfs", src, img, "-noappend", "-noI", "-noD", "-noF", "-quiet").CombinedOutput(); err != nil {
		return fmt.Errorf("mksquashfs (apt-get install squashfs-tools): %w: %s", err, out)
	}
	f, err := os.OpenFile(img, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	p, err := verity.Build(f, f, fi.Size())
	if err != nil {
		return err
	}
	args := fmt.Sprintf("%x %x %d\n", p.RootHash, p.Salt, p.HashOffset)
	return os.WriteFile(filepath.Join(dir, "args"), []byte(args), 0o644)
}

// fixtureData is the file in the fixture's squashfs: ~450 KiB, ~110 blocks uncompressed.
func fixtureData() []byte { return bytes.Repeat([]byte("cairn verity test data\n"), 20000) }

func readFixture(t *testing.T, dir string) fixture {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "args"))
	if err != nil {
		t.Fatal(err)
	}
	var root, salt string
	var off uint64
	if _, err := fmt.Sscan(string(b), &root, &salt, &off); err != nil {
		t.Fatalf("fixture args %q: %v", b, err)
	}
	r, _ := hex.DecodeString(root)
	s, _ := hex.DecodeString(salt)
	// Copy the image: a test that corrupts it must not change the next test's.
	img := filepath.Join(t.TempDir(), "image")
	data, err := os.ReadFile(filepath.Join(dir, "image"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(img, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return fixture{image: img, v: Verity{DataBlocks: off / BlockSize, HashStartBlock: off/BlockSize + 1, RootHash: r, Salt: s}}
}

// attach attaches the image to a read-only loop device, detached at cleanup.
func (f *fixture) attach(t *testing.T) {
	t.Helper()
	dev, err := mount.Loop(f.image, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if fd, err := unix.Open(dev, unix.O_RDONLY, 0); err == nil {
			_ = unix.IoctlSetInt(fd, unix.LOOP_CLR_FD, 0)
			_ = unix.Close(fd)
		}
	})
	f.v.DataDev, f.v.HashDev = dev, dev
}

func create(t *testing.T, name string, v Verity) string {
	t.Helper()
	path, err := CreateVerity(name, v)
	if err != nil {
		t.Fatalf("CreateVerity: %v", err)
	}
	t.Cleanup(func() {
		if err := Remove(name); err != nil {
			t.Errorf("Remove: %v", err)
		}
	})
	return path
}
