package disklayout

import (
	"fmt"
	"io"

	"github.com/diskfs/go-diskfs/disk"
	"github.com/diskfs/go-diskfs/filesystem"
)

// WriteTable writes the GPT (primary at the start, backup at the end of d) with GUIDs
// derived from seed; on a block device the kernel re-reads it.
func WriteTable(d *disk.Disk, seed []byte) error {
	if d.Size < ImageSize() {
		return fmt.Errorf("the disk is %d MiB; the layout needs at least %d MiB", d.Size/MiB, ImageSize()/MiB)
	}
	if err := d.Partition(Table(seed)); err != nil {
		return fmt.Errorf("write the partition table: %w", err)
	}
	return nil
}

// WriteESP creates the FAT32 EFI system partition on d (partitioned by WriteTable) and
// writes files to it in order.
func WriteESP(d *disk.Disk, files []File) error {
	fs, err := d.CreateFilesystem(disk.FilesystemSpec{Partition: NumberESP, FSType: filesystem.TypeFat32, VolumeLabel: "EFI", Reproducible: true})
	if err != nil {
		return fmt.Errorf("create the ESP: %w", err)
	}
	if err := WriteFAT(fs, files); err != nil {
		return fmt.Errorf("ESP: %w", err)
	}
	rw, err := d.Backend.Writable()
	if err != nil {
		return err
	}
	if err := fixDotDot(rw, Offset(NumberESP)); err != nil {
		return fmt.Errorf("ESP: %w", err)
	}
	return nil
}

// WriteSlotA copies a slot's content (squashfs and dm-verity tree) from r into slot A of the
// disk w and returns its length; more than the partition holds is an error.
func WriteSlotA(w io.WriterAt, r io.Reader) (int64, error) {
	size := Partitions[NumberSlotA-1].Size
	n, err := io.Copy(io.NewOffsetWriter(w, Offset(NumberSlotA)), io.LimitReader(r, size))
	if err != nil {
		return n, fmt.Errorf("write slot A: %w", err)
	}
	if extra, _ := r.Read(make([]byte, 1)); extra > 0 {
		return n, fmt.Errorf("write slot A: the slot image is larger than the %d-byte partition", size)
	}
	return n, nil
}
