// Package partition is Cairn's side of its disk layout: the GPT names of its partitions, finding
// them through sysfs, adding EPHEMERAL over the rest of the boot disk, and creating the ext4
// filesystems of STATE and EPHEMERAL.
package partition

// GPT partition names (PARTLABEL) of a Cairn disk, in disk order.
const (
	LabelEFI       = "EFI"
	LabelSlotA     = "CAIRN-A"
	LabelSlotB     = "CAIRN-B"
	LabelMeta      = "CAIRN-META"
	LabelState     = "CAIRN-STATE"
	LabelEphemeral = "CAIRN-EPHEMERAL"
)

// align is the alignment of partitions on the disk: 1 MiB, as every partitioning tool does.
const align = 1 << 20
