package partition

import (
	"errors"
	"fmt"

	diskfs "github.com/diskfs/go-diskfs"
	"github.com/diskfs/go-diskfs/partition/gpt"
)

// minRest is the smallest EPHEMERAL worth adding: containerd, etcd and the kubelet need room.
const minRest = 256 << 20

// AddRest appends a Linux filesystem partition named label over the free space after the last
// partition up to the end of the disk, and moves the backup GPT to the disk's end (a raw image
// written to a larger disk keeps it where the image ended). It returns false and changes
// nothing when a partition of that name exists. go-diskfs writes the backup table before the
// primary, each synced, so a power cut leaves one valid table; the kernel learns of the new
// partition through BLKPG while the others stay mounted.
func AddRest(disk, label string) (added bool, err error) {
	d, err := diskfs.Open(disk, diskfs.WithOpenMode(diskfs.ReadWrite))
	if err != nil {
		return false, fmt.Errorf("open %s: %w", disk, err)
	}
	defer func() {
		if cerr := d.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close %s: %w", disk, cerr)
		}
	}()
	pt, err := d.GetPartitionTable()
	if err != nil {
		return false, fmt.Errorf("read the partition table of %s: %w", disk, err)
	}
	t, ok := pt.(*gpt.Table)
	if !ok {
		return false, fmt.Errorf("%s: partition table is %s, not GPT", disk, pt.Type())
	}
	p, err := rest(t, d.Size, label)
	if err != nil || p == nil {
		return false, err
	}
	t.Partitions = append(t.Partitions, p)
	if err := d.Partition(t); err != nil {
		return false, fmt.Errorf("write the partition table of %s: %w", disk, err)
	}
	return true, nil
}

// rest resizes t to a disk of size bytes and returns the partition to add, or nil when label
// exists.
func rest(t *gpt.Table, size int64, label string) (*gpt.Partition, error) {
	var end uint64
	for _, p := range t.Partitions {
		if p.Name == label {
			return nil, nil
		}
		end = max(end, p.End)
	}
	ss := uint64(t.LogicalSectorSize)
	if ss == 0 || size <= 0 || uint64(size)%ss != 0 {
		return nil, fmt.Errorf("disk size %d is not a multiple of its sector size %d", size, ss)
	}
	t.Resize(uint64(size))
	start := alignUp((end+1)*ss) / ss
	last := (alignDown((t.LastDataSector()+1)*ss) / ss) - 1
	if last <= start || (last-start+1)*ss < minRest {
		return nil, errors.New("no room for " + label + fmt.Sprintf(": %d bytes free after the last partition, want at least %d", freeBytes(start, last, ss), minRest))
	}
	return &gpt.Partition{Index: len(t.Partitions) + 1, Start: start, End: last, Size: (last - start + 1) * ss,
		Type: gpt.LinuxFilesystem, Name: label}, nil
}

func freeBytes(start, last, ss uint64) uint64 {
	if last < start {
		return 0
	}
	return (last - start + 1) * ss
}

func alignUp(b uint64) uint64   { return (b + align - 1) / align * align }
func alignDown(b uint64) uint64 { return b / align * align }
