// Package disklayout is the layout of a Cairn disk (DISK.md) and the writing of its first
// partitions: the GPT, the EFI system partition and slot A. The image builder's raw image and
// the installer both write a disk with it, so both lay out the same bytes.
package disklayout

import (
	"crypto/sha256"
	"fmt"

	"github.com/diskfs/go-diskfs/partition/gpt"

	"github.com/cairn-os/cairn/internal/pkg/partition"
)

// MiB is a mebibyte: partitions are aligned to it.
const MiB = 1 << 20

// Partition is one partition of the layout, in order (the first is number 1).
type Partition struct {
	Name string // GPT partition name (PARTLABEL)
	Type gpt.Type
	Size int64
}

// Partitions is the GPT layout a raw image holds and an install writes (1 MiB aligned,
// 512-byte sectors). The node adds CAIRN-EPHEMERAL up to the disk's end at its first boot
// from the disk.
var Partitions = []Partition{
	{partition.LabelEFI, gpt.EFISystemPartition, 128 * MiB},
	{partition.LabelSlotA, gpt.LinuxFilesystem, 512 * MiB},
	{partition.LabelSlotB, gpt.LinuxFilesystem, 512 * MiB},
	{partition.LabelMeta, gpt.LinuxFilesystem, 1 * MiB},
	{partition.LabelState, gpt.LinuxFilesystem, 128 * MiB},
}

// The partition numbers (1-based) the writers use.
const (
	NumberESP   = 1
	NumberSlotA = 2
	NumberState = 5
)

// ImageSize is a raw image's size: 1 MiB before the first partition (protective MBR, GPT),
// the partitions, 1 MiB after them (backup GPT).
func ImageSize() int64 {
	size := int64(2 * MiB)
	for _, p := range Partitions {
		size += p.Size
	}
	return size
}

// Offset returns the byte offset of partition n (1-based).
func Offset(n int) int64 {
	off := int64(MiB)
	for _, p := range Partitions[:n-1] {
		off += p.Size
	}
	return off
}

// Table is the layout with GUIDs derived from seed: the same seed gives the same bytes.
func Table(seed []byte) *gpt.Table {
	t := &gpt.Table{LogicalSectorSize: 512, PhysicalSectorSize: 512, ProtectiveMBR: true, GUID: derivedGUID(seed, "disk")}
	for i, dp := range Partitions {
		start := uint64(Offset(i+1) / 512)
		t.Partitions = append(t.Partitions, &gpt.Partition{Index: i + 1, Start: start, End: start + uint64(dp.Size/512) - 1,
			Size: uint64(dp.Size), Type: dp.Type, Name: dp.Name, GUID: derivedGUID(seed, dp.Name)})
	}
	return t
}

// derivedGUID is a version 8 (custom) UUID from sha256(seed, name).
func derivedGUID(seed []byte, name string) string {
	s := sha256.Sum256(append(append([]byte("cairn gpt guid\x00"), seed...), name...))
	s[6] = s[6]&0x0f | 0x80
	s[8] = s[8]&0x3f | 0x80
	return fmt.Sprintf("%X-%X-%X-%X-%X", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16])
}
