package init

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cairn-os/cairn/internal/pkg/blockdev"
	"github.com/cairn-os/cairn/internal/pkg/devmapper"
	"github.com/cairn-os/cairn/internal/pkg/mount"
)

const (
	// rootName is the dm-verity device of the root: /dev/mapper/cairn-root.
	rootName = "cairn-root"
	// partitionWait bounds the wait for the slot's partition (disks probe after their modules
	// load).
	partitionWait = 30 * time.Second
)

// mountDiskRoot finds the slot's partition, checks its root hash, maps it through dm-verity,
// reads every block once so that a corrupted root fails here, not later, and mounts the
// squashfs read-only at /newroot.
func mountDiskRoot(log *slog.Logger, d *diskBoot) error {
	ctx, cancel := context.WithTimeout(context.Background(), partitionWait)
	defer cancel()
	part, err := blockdev.WaitPartName(ctx, blockdev.SysBlock, d.PartName, 100*time.Millisecond)
	if err != nil {
		return fmt.Errorf("slot %s: waited %s: %w", d.Slot, partitionWait, err)
	}
	dev := part.Path()
	log.Info("slot partition found", "slot", d.Slot, "partition", d.PartName, "device", dev)
	v := d.verity(dev)
	if err := checkRoot(dev, v); err != nil {
		return fmt.Errorf("slot %s (%s): root verification failed: %w", d.Slot, dev, err)
	}
	root, err := devmapper.CreateVerity(rootName, v)
	if err != nil {
		return fmt.Errorf("slot %s (%s): %w", d.Slot, dev, err)
	}
	if err := verifyAndMount(log, root); err != nil {
		_ = devmapper.Remove(rootName)
		return fmt.Errorf("slot %s (%s): %w", d.Slot, dev, err)
	}
	return nil
}

// checkRoot tells a wrong root hash (or a hash tree that is not the one built with it) apart
// from a corrupted data block before the kernel sees either.
func checkRoot(dev string, v devmapper.Verity) error {
	f, err := os.Open(dev)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	return devmapper.CheckRoot(f, v)
}

func verifyAndMount(log *slog.Logger, root string) error {
	start := time.Now()
	n, err := devmapper.ReadAll(root)
	if err != nil { // a *devmapper.CorruptError names the block
		return fmt.Errorf("root verification failed: %w", err)
	}
	status, _ := devmapper.Status(rootName)
	took := time.Since(start)
	log.Info("root verified", "device", root, "blocks", n, "verity", status, "took", took.Round(time.Millisecond),
		"MiB/s", int(float64(n*devmapper.BlockSize)/(1<<20)/max(took.Seconds(), 0.001)))
	p := mount.Point{Source: root, Target: newRoot, FSType: "squashfs", Flags: unix.MS_RDONLY | unix.MS_NODEV}
	if err := p.Mount(); err != nil {
		return err
	}
	log.Info("root mounted read-only", "device", root)
	return nil
}
