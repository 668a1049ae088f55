package devmapper

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func TestVerityGoodTreeMountsAndReads(t *testing.T) {
	needDeviceMapper(t)
	f := newFixture(t)
	f.attach(t)
	dev := create(t, "cairn-test-good", f.v)
	n, err := ReadAll(dev)
	if err != nil || n != f.v.DataBlocks {
		t.Fatalf("ReadAll = %d blocks, %v; want %d, nil", n, err, f.v.DataBlocks)
	}
	if s, err := Status("cairn-test-good"); err != nil || s != "V" {
		t.Errorf("Status = %q, %v; want V", s, err)
	}
	dir := t.TempDir()
	if err := unix.Mount(dev, dir, "squashfs", unix.MS_RDONLY, ""); err != nil {
		t.Fatalf("mount %s: %v", dev, err)
	}
	defer func() { _ = unix.Unmount(dir, 0) }()
	got, err := os.ReadFile(filepath.Join(dir, "data"))
	if err != nil || !bytes.Equal(got, fixtureData()) {
		t.Errorf("read data through verity: %d bytes, %v; want the fixture's data", len(got), err)
	}
	if err := unix.Mount(dev, dir, "squashfs", unix.MS_REMOUNT, ""); err == nil {
		t.Error("remount read-write succeeded on a read-only verity device")
	}
}

func TestVerityFlippedByteIsEIOAtItsBlock(t *testing.T) {
	needDeviceMapper(t)
	f := newFixture(t)
	const block = 5
	flip(t, f.image, block*BlockSize+123)
	f.attach(t)
	if err := CheckRoot(openDev(t, f.v.HashDev), f.v); err != nil {
		t.Fatalf("CheckRoot = %v; a data block's corruption must not look like a bad root hash", err)
	}
	dev := create(t, "cairn-test-flip", f.v)
	_, err := ReadAll(dev)
	var c *CorruptError
	if !errors.As(err, &c) || c.Block != block || !errors.Is(err, unix.EIO) {
		t.Fatalf("ReadAll = %v; want a CorruptError at block %d wrapping EIO", err, block)
	}
	if s, err := Status("cairn-test-flip"); err != nil || s != "C" {
		t.Errorf("Status = %q, %v; want C", s, err)
	}
}

func TestVerityWrongRootHashFails(t *testing.T) {
	needDeviceMapper(t)
	f := newFixture(t)
	f.attach(t)
	f.v.RootHash = append([]byte{}, f.v.RootHash...)
	f.v.RootHash[0] ^= 0xff
	if err := CheckRoot(openDev(t, f.v.HashDev), f.v); !errors.Is(err, ErrRootHash) {
		t.Errorf("CheckRoot = %v, want ErrRootHash", err)
	}
	dev := create(t, "cairn-test-root", f.v)
	var c *CorruptError
	if _, err := ReadAll(dev); !errors.As(err, &c) || c.Block != 0 {
		t.Errorf("ReadAll = %v; want a failure at block 0", err)
	}
	dir := t.TempDir()
	if err := unix.Mount(dev, dir, "squashfs", unix.MS_RDONLY, ""); err == nil {
		_ = unix.Unmount(dir, 0)
		t.Error("a squashfs under a wrong root hash mounted")
	}
}

func flip(t *testing.T, file string, off int64) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	b[off] ^= 0x01
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func openDev(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}

// TestCheckRootAgainstBuild needs no device-mapper: it checks that CheckRoot reads the top
// block where verity.Build (veritysetup's format) writes it.
func TestCheckRootAgainstBuild(t *testing.T) {
	f := newFixture(t)
	img := openDev(t, f.image)
	if err := CheckRoot(img, f.v); err != nil {
		t.Errorf("CheckRoot(verity.Build's tree) = %v", err)
	}
	f.v.Salt = f.v.Salt[1:]
	if err := CheckRoot(img, f.v); !errors.Is(err, ErrRootHash) {
		t.Errorf("CheckRoot(wrong salt) = %v, want ErrRootHash", err)
	}
}
