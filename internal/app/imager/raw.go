package imager

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"

	diskfs "github.com/diskfs/go-diskfs"
	"github.com/diskfs/go-diskfs/disk"
	"github.com/diskfs/go-diskfs/filesystem"
	"github.com/diskfs/go-diskfs/partition/gpt"
)

const mib = 1 << 20

// DiskPartition is one partition of the raw image, in order (the first is number 1).
type DiskPartition struct {
	Name string // GPT partition name (PARTLABEL)
	Type gpt.Type
	Size int64
}

// DiskPartitions is the GPT layout of the raw image (1 MiB aligned, 512-byte sectors). The
// node adds CAIRN-EPHEMERAL up to the disk's end at first boot.
var DiskPartitions = []DiskPartition{
	{"EFI", gpt.EFISystemPartition, 128 * mib},
	{"CAIRN-A", gpt.LinuxFilesystem, 512 * mib},
	{"CAIRN-B", gpt.LinuxFilesystem, 512 * mib},
	{"CAIRN-META", gpt.LinuxFilesystem, 1 * mib},
	{"CAIRN-STATE", gpt.LinuxFilesystem, 128 * mib},
}

// rawSize is the image's size: 1 MiB before the first partition (protective MBR, GPT), the
// partitions, 1 MiB after them (backup GPT).
func rawSize() int64 {
	size := int64(2 * mib)
	for _, p := range DiskPartitions {
		size += p.Size
	}
	return size
}

// writeRaw writes the sparse GPT disk image: the ESP with systemd-boot and slot A's entry,
// kernel and disk initramfs; slot A's squashfs and verity tree; the rest zeros.
func (b *builder) writeRaw(file string, p *diskParts) error {
	// go-diskfs stamps FAT directory entries with SOURCE_DATE_EPOCH when it is set.
	if err := os.Setenv("SOURCE_DATE_EPOCH", strconv.FormatInt(b.epoch, 10)); err != nil {
		return err
	}
	_ = os.Remove(file)
	d, err := diskfs.Create(file, rawSize(), diskfs.SectorSize512)
	if err != nil {
		return fmt.Errorf("create %s: %w", file, err)
	}
	defer func() { _ = d.Close() }()
	if err := d.Partition(gptTable(contentSeed(p.desc))); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	fs, err := d.CreateFilesystem(disk.FilesystemSpec{Partition: 1, FSType: filesystem.TypeFat32, VolumeLabel: "EFI", Reproducible: true})
	if err != nil {
		return fmt.Errorf("%s: create the ESP: %w", file, err)
	}
	if err := writeFAT(fs, slotESP(p)); err != nil {
		return fmt.Errorf("%s: ESP: %w", file, err)
	}
	if err := fixDotDot(file, partitionOffset(1)); err != nil {
		return fmt.Errorf("ESP: %w", err)
	}
	return copySlot(file, p.slot, partitionOffset(2))
}

// gptTable is the layout with GUIDs derived from seed: the same image content gives the same
// bytes.
func gptTable(seed []byte) *gpt.Table {
	t := &gpt.Table{LogicalSectorSize: 512, PhysicalSectorSize: 512, ProtectiveMBR: true, GUID: derivedGUID(seed, "disk")}
	for i, dp := range DiskPartitions {
		start := uint64(partitionOffset(i+1) / 512)
		t.Partitions = append(t.Partitions, &gpt.Partition{Index: i + 1, Start: start, End: start + uint64(dp.Size/512) - 1,
			Size: uint64(dp.Size), Type: dp.Type, Name: dp.Name, GUID: derivedGUID(seed, dp.Name)})
	}
	return t
}

// partitionOffset returns the byte offset of partition n (1-based).
func partitionOffset(n int) int64 {
	off := int64(mib)
	for _, p := range DiskPartitions[:n-1] {
		off += p.Size
	}
	return off
}

// contentSeed hashes the sha256 of every slot file.
func contentSeed(d SlotImage) []byte {
	names := make([]string, 0, len(d.Files))
	for n := range d.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		_, _ = fmt.Fprintf(h, "%s %s\n", n, d.Files[n].SHA256)
	}
	return h.Sum(nil)
}

// derivedGUID is a version 8 (custom) UUID from sha256(seed, name).
func derivedGUID(seed []byte, name string) string {
	s := sha256.Sum256(append(append([]byte("cairn gpt guid\x00"), seed...), name...))
	s[6] = s[6]&0x0f | 0x80
	s[8] = s[8]&0x3f | 0x80
	return fmt.Sprintf("%X-%X-%X-%X-%X", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16])
}

// copySlot writes the slot image into the disk image at off.
func copySlot(file, slot string, off int64) error {
	f, err := os.OpenFile(file, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	r, err := os.Open(slot)
	if err != nil {
		return err
	}
	defer func() { _ = r.Close() }()
	st, err := r.Stat()
	if err != nil {
		return err
	}
	if st.Size() > DiskPartitions[1].Size {
		return fmt.Errorf("slot image %s: %d bytes do not fit the %d-byte slot partition", slot, st.Size(), DiskPartitions[1].Size)
	}
	if _, err := io.Copy(io.NewOffsetWriter(f, off), r); err != nil {
		return fmt.Errorf("write slot A: %w", err)
	}
	return f.Close()
}
