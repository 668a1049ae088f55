package imager

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	diskfs "github.com/diskfs/go-diskfs"
)

// TestISOImage writes an ISO from the fixture and reads it back with go-diskfs: the El
// Torito EFI boot image, a FAT file system with systemd-boot and the live entry (no
// cairn.slot) booting the install initramfs; nothing else (the node never reads the CD).
func TestISOImage(t *testing.T) {
	b, p := diskFixture(t)
	work := t.TempDir()
	b.in.install = filepath.Join(work, installInitramfs)
	if err := os.WriteFile(b.in.install, bytes.Repeat([]byte("install initramfs "), 40000), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(work, "cairn.iso")
	if err := b.writeISO(file, work, p); err != nil {
		t.Fatalf("writeISO() = %v", err)
	}
	d, err := diskfs.Open(file, diskfs.WithOpenMode(diskfs.ReadOnly))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = d.Close() }()
	d.LogicalBlocksize = 2048
	fs, err := d.GetFilesystem(0)
	if err != nil {
		t.Fatalf("read ISO: %v", err)
	}
	if _, err := fs.OpenFile("/cairn/slot.img", os.O_RDONLY); err == nil {
		t.Errorf("the ISO carries /cairn/slot.img; want only the boot image (the payload is in the initramfs)")
	}
	got := readFS(t, fs, "/boot/efiboot.img")
	checkEFIBoot(t, b, p, got["/boot/efiboot.img"])
	checkElTorito(t, file)
}

func checkEFIBoot(t *testing.T, b *builder, p *diskParts, img []byte) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "efiboot.img")
	if err := os.WriteFile(file, img, 0o600); err != nil {
		t.Fatal(err)
	}
	checkFsck(t, file, 0, int64(len(img)))
	d, err := diskfs.Open(file, diskfs.WithOpenMode(diskfs.ReadOnly))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = d.Close() }()
	fs, err := d.GetFilesystem(0)
	if err != nil {
		t.Fatalf("efiboot.img: %v", err)
	}
	got := readFS(t, fs, "/EFI/BOOT/BOOTX64.EFI", "/loader/loader.conf", "/loader/entries/cairn-live.conf", "/cairn/vmlinuz", "/cairn/initramfs")
	sameFile(t, "efiboot BOOTX64.EFI", got["/EFI/BOOT/BOOTX64.EFI"], p.loader)
	sameFile(t, "efiboot vmlinuz", got["/cairn/vmlinuz"], b.in.kernel)
	sameFile(t, "efiboot initramfs (the install one)", got["/cairn/initramfs"], b.in.install)
	if e := string(got["/loader/entries/cairn-live.conf"]); e != liveEntry(p.desc.Version, b.m.Boot.Cmdline) {
		t.Errorf("cairn-live.conf = %q", e)
	}
}

// checkElTorito reads the boot record (sector 17) and the boot catalog it points to: an
// EFI validation entry and a bootable no-emulation initial entry.
func checkElTorito(t *testing.T, file string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	br := data[17*2048 : 18*2048]
	if br[0] != 0 || !bytes.Equal(br[1:6], []byte("CD001")) || !bytes.HasPrefix(br[7:], []byte("EL TORITO SPECIFICATION")) {
		t.Fatalf("sector 17 is not an El Torito boot record: % x", br[:40])
	}
	cat := int64(binary.LittleEndian.Uint32(br[0x47:])) * 2048
	v, e := data[cat:cat+32], data[cat+32:cat+64]
	if v[0] != 1 || v[1] != 0xef || v[30] != 0x55 || v[31] != 0xaa || e[0] != 0x88 || e[1] != 0 {
		t.Errorf("boot catalog: validation % x, initial entry % x: want platform EFI, bootable, no emulation", v, e)
	}
}
