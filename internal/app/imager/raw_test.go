package imager

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	diskfs "github.com/diskfs/go-diskfs"
	"github.com/diskfs/go-diskfs/partition/gpt"
	"golang.org/x/sys/unix"

	"github.com/cairn-os/cairn/internal/pkg/disklayout"
	"github.com/cairn-os/cairn/internal/pkg/sdboot"
	"github.com/cairn-os/cairn/internal/pkg/verity"
)

// TestRawImage writes a raw image from the fixture and reads it back with go-diskfs: the GPT
// layout, the ESP's files and entry, and slot A, which the real veritysetup verifies (and
// refuses with a flipped byte). The same inputs give the same bytes, in a sparse file.
func TestRawImage(t *testing.T) {
	b, p := diskFixture(t)
	file := filepath.Join(t.TempDir(), "cairn.raw")
	if err := b.writeRaw(file, p); err != nil {
		t.Fatalf("writeRaw() = %v", err)
	}
	d, err := diskfs.Open(file, diskfs.WithOpenMode(diskfs.ReadOnly))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = d.Close() }()
	checkGPT(t, d.Size, d.Table)
	fs, err := d.GetFilesystem(1)
	if err != nil {
		t.Fatalf("ESP: %v", err)
	}
	got := readFS(t, fs, "/EFI/BOOT/BOOTX64.EFI", "/loader/loader.conf", "/loader/entries/cairn-1-a.conf", "/cairn/a/vmlinuz", "/cairn/a/initramfs")
	sameFile(t, "BOOTX64.EFI", got["/EFI/BOOT/BOOTX64.EFI"], p.loader)
	sameFile(t, "vmlinuz", got["/cairn/a/vmlinuz"], p.kernel)
	sameFile(t, "initramfs", got["/cairn/a/initramfs"], p.initramfs)
	if string(got["/loader/loader.conf"]) != sdboot.LoaderConfig || string(got["/loader/entries/cairn-1-a.conf"]) != string(firstEntry(p.desc).Render()) {
		t.Errorf("loader.conf = %q, cairn-1-a.conf = %q", got["/loader/loader.conf"], got["/loader/entries/cairn-1-a.conf"])
	}
	checkSlotA(t, file, p.desc.Verity)
	checkRawReproducible(t, b, p, file)
}

func checkGPT(t *testing.T, size int64, table any) {
	t.Helper()
	if size != disklayout.ImageSize() || size != 1283*mib {
		t.Errorf("image is %d bytes, want %d (1283 MiB)", size, disklayout.ImageSize())
	}
	tbl, ok := table.(*gpt.Table)
	if !ok || len(tbl.Partitions) < len(disklayout.Partitions) {
		t.Fatalf("partition table = %#v, want GPT with %d partitions", table, len(disklayout.Partitions))
	}
	for i, want := range disklayout.Partitions {
		got := tbl.Partitions[i]
		if got.Name != want.Name || !strings.EqualFold(string(got.Type), string(want.Type)) ||
			int64(got.Start)*512 != disklayout.Offset(i+1) || got.GetSize() != want.Size || got.Start%2048 != 0 {
			t.Errorf("partition %d = %s %s start %d size %d, want %s %s start %d size %d", i+1,
				got.Name, got.Type, got.Start, got.GetSize(), want.Name, want.Type, disklayout.Offset(i+1)/512, want.Size)
		}
	}
	for i := len(disklayout.Partitions); i < len(tbl.Partitions); i++ {
		if tbl.Partitions[i].Type != gpt.Unused {
			t.Errorf("partition %d = %+v, want none", i+1, tbl.Partitions[i])
		}
	}
}

// checkSlotA extracts slot A's data and hash tree (not the zeros after them) from the image for veritysetup verify,
// then once more with a byte of the squashfs flipped.
func checkSlotA(t *testing.T, file string, v VerityResult) {
	t.Helper()
	img, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = img.Close() }()
	slot := filepath.Join(t.TempDir(), "slot")
	extract := func(flip int64) {
		data, err := io.ReadAll(io.NewSectionReader(img, disklayout.Offset(2), v.HashOffset+verity.TreeSize(v.HashOffset)))
		if err != nil {
			t.Fatal(err)
		}
		if flip >= 0 {
			data[flip] ^= 1
		}
		if err := os.WriteFile(slot, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	extract(-1)
	if err := veritysetupVerify(t, slot, v); err != nil {
		t.Errorf("veritysetup verify slot A = %v", err)
	}
	extract(v.HashOffset / 2)
	if err := veritysetupVerify(t, slot, v); err == nil {
		t.Error("veritysetup verify slot A with a flipped byte succeeded")
	}
}

// checkRawReproducible writes the image again: both have the same data extents (the rest
// are holes: the file is sparse) with the same bytes.
func checkRawReproducible(t *testing.T, b *builder, p *diskParts, first string) {
	t.Helper()
	second := filepath.Join(t.TempDir(), "cairn.raw")
	if err := b.writeRaw(second, p); err != nil {
		t.Fatal(err)
	}
	a, b2 := readExtents(t, first), readExtents(t, second)
	if len(a) != len(b2) {
		t.Fatalf("two raw images of the same inputs have %d and %d data extents", len(a), len(b2))
	}
	used := 0
	for off, data := range a {
		if !bytes.Equal(data, b2[off]) {
			t.Errorf("two raw images of the same inputs differ in the extent at %d", off)
		}
		used += len(data)
	}
	if used > 64*mib {
		t.Errorf("raw image holds %d bytes of data, want a sparse file (< 64 MiB for a %d-byte slot)", used, p.desc.Files["slot.img"].Size)
	}
}

// readExtents returns the data extents of a sparse file (SEEK_DATA, SEEK_HOLE) by offset.
func readExtents(t *testing.T, file string) map[int64][]byte {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	out := map[int64][]byte{}
	for off := int64(0); ; {
		start, err := f.Seek(off, unix.SEEK_DATA)
		if err != nil { // ENXIO: no data after off
			return out
		}
		end, err := f.Seek(start, unix.SEEK_HOLE)
		if err != nil {
			t.Fatal(err)
		}
		data := make([]byte, end-start)
		if _, err := f.ReadAt(data, start); err != nil {
			t.Fatal(err)
		}
		out[start], off = data, end
	}
}
