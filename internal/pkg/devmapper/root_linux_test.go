package devmapper

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/cairn-os/cairn/internal/pkg/mount"
)

// fixture is a squashfs image followed by its veritysetup superblock and hash tree, Cairn's
// slot layout. CAIRN_DM_FIXTURE names a directory holding one (the VM runner builds it on
// the host); otherwise mksquashfs and veritysetup make it here.
type fixture struct {
	image string
	v     Verity
}

var reRootHash = regexp.MustCompile(`Root hash:\s+([0-9a-f]{64})`)

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
		t.Skip(err) // only the host tools are missing: the VM runner builds fixtures with them
	}
	return readFixture(t, dir)
}

// BuildFixture writes image (squashfs + verity) and args (root hash, salt, hash offset) into
// dir with mksquashfs and veritysetup.
func BuildFixture(dir string) error {
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return err
	}
	big := bytes.Repeat([]byte("cairn verity test data\n"), 20000) // ~450 KiB, ~110 blocks
	if err := os.WriteFile(filepath.Join(src, "data"), big, 0o644); err != nil {
		return err
	}
	img := filepath.Join(dir, "image")
	if out, err := exec.Command("mksquashfs", src, img, "-noappend", "-noI", "-noD", "-noF", "-quiet").CombinedOutput(); err != nil {
		return fmt.Errorf("mksquashfs (apt-get install squashfs-tools): %v: %s", err, out)
	}
	fi, err := os.Stat(img)
	if err != nil {
		return err
	}
	off := (fi.Size() + BlockSize - 1) / BlockSize * BlockSize
	if err := os.Truncate(img, off); err != nil {
		return err
	}
	salt := strings.Repeat("5a", 32)
	out, err := exec.Command("veritysetup", "format", img, img, "--hash-offset", fmt.Sprint(off), "--salt", salt).CombinedOutput()
	if err != nil {
		return fmt.Errorf("veritysetup (apt-get install cryptsetup-bin): %v: %s", err, out)
	}
	m := reRootHash.FindSubmatch(out)
	if m == nil {
		return fmt.Errorf("veritysetup printed no root hash: %s", out)
	}
	args := fmt.Sprintf("%s %s %d\n", m[1], salt, off)
	return os.WriteFile(filepath.Join(dir, "args"), []byte(args), 0o644)
}

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
