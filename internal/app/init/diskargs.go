package init

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"github.com/cairn-os/cairn/internal/pkg/cmdline"
	"github.com/cairn-os/cairn/internal/pkg/devmapper"
)

// Kernel command line parameters of the disk boot (DISK.md).
const (
	argSlot       = "cairn.slot"
	argRootHash   = "cairn.verity.roothash"
	argSalt       = "cairn.verity.salt"
	argHashOffset = "cairn.verity.hashoffset"
)

// diskBoot is what the boot entry says of the slot to boot: which partition, and the dm-verity
// parameters its root must verify against.
type diskBoot struct {
	Slot       string // "a" or "b"
	PartName   string // CAIRN-A or CAIRN-B
	RootHash   []byte
	Salt       []byte
	HashOffset uint64 // bytes: the squashfs's padded size, where veritysetup's superblock starts
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
		d.PartName = "CAIRN-" + map[string]string{"a": "A", "b": "B"}[slot]
	default:
		errs = append(errs, fmt.Errorf("%s=%q: want a or b", argSlot, slot))
	}
	var err error
	if d.RootHash, err = hexArg(c, argRootHash); err != nil {
		errs = append(errs, err)
	}
	if d.Salt, err = hexArg(c, argSalt); err != nil {
		errs = append(errs, err)
	}
	if d.HashOffset, err = offsetArg(c); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("kernel command line: %w", errors.Join(errs...))
	}
	return d, nil
}

// hexArg reads a 32-byte value written as 64 hex digits.
func hexArg(c *cmdline.Cmdline, key string) ([]byte, error) {
	v, ok := c.Get(key)
	if !ok {
		return nil, fmt.Errorf("%s is missing (required with %s)", key, argSlot)
	}
	b, err := hex.DecodeString(v)
	if err != nil || len(b) != 32 {
		return nil, fmt.Errorf("%s=%q: want 64 hex digits", key, v)
	}
	return b, nil
}

func offsetArg(c *cmdline.Cmdline) (uint64, error) {
	v, ok := c.Get(argHashOffset)
	if !ok {
		return 0, fmt.Errorf("%s is missing (required with %s)", argHashOffset, argSlot)
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n == 0 || n%devmapper.BlockSize != 0 || n > 1<<50 {
		return 0, fmt.Errorf("%s=%q: want a positive number of bytes, a multiple of %d", argHashOffset, v, devmapper.BlockSize)
	}
	return n, nil
}

// verity is the dm-verity mapping of the slot partition dev: the squashfs in its first
// HashOffset bytes, veritysetup's superblock in the next block, the hash tree after it.
func (d *diskBoot) verity(dev string) devmapper.Verity {
	blocks := d.HashOffset / devmapper.BlockSize
	return devmapper.Verity{DataDev: dev, HashDev: dev, DataBlocks: blocks, HashStartBlock: blocks + 1,
		RootHash: d.RootHash, Salt: d.Salt}
}
