package init

import (
	"errors"
	"fmt"

	"github.com/cairn-os/cairn/internal/pkg/cmdline"
	"github.com/cairn-os/cairn/internal/pkg/devmapper"
	"github.com/cairn-os/cairn/internal/pkg/verity"
)

// argSlot names the slot to boot from disk (DISK.md); the verity parameters come with it.
const argSlot = "cairn.slot"

// diskBoot is what the boot entry says of the slot to boot: which partition, and the dm-verity
// parameters its root must verify against.
type diskBoot struct {
	Slot     string // "a" or "b"
	PartName string // CAIRN-A or CAIRN-B
	Verity   verity.Params
}

// parseDiskArgs returns nil without cairn.slot (the root is rootfs.sqsh in the initramfs).
// With it, every verity parameter must be present and well formed; all problems are reported.
func parseDiskArgs(c *cmdline.Cmdline) (*diskBoot, error) {
	slot, ok := c.Get(argSlot)
	if !ok {
		return nil, nil
	}
	d := &diskBoot{Slot: slot}
	var errs []error
	switch slot {
	case "a", "b":
		d.PartName = map[string]string{"a": "CAIRN-A", "b": "CAIRN-B"}[slot]
	default:
		errs = append(errs, fmt.Errorf("%s: %q is not a or b", argSlot, slot))
	}
	p, err := verity.ParseArgs(c.Get)
	if err != nil {
		errs = append(errs, fmt.Errorf("%w (required with %s)", err, argSlot))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("kernel command line: %w", errors.Join(errs...))
	}
	d.Verity = p
	return d, nil
}

// verity is the dm-verity mapping of the slot partition dev: the squashfs in its first
// HashOffset bytes, veritysetup's superblock in the next block, the hash tree after it.
func (d *diskBoot) verity(dev string) devmapper.Verity {
	blocks := uint64(d.Verity.HashOffset) / devmapper.BlockSize
	return devmapper.Verity{DataDev: dev, HashDev: dev, DataBlocks: blocks, HashStartBlock: blocks + 1,
		RootHash: d.Verity.RootHash, Salt: d.Verity.Salt}
}
