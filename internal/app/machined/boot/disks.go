package boot

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cairn-os/cairn/internal/pkg/mount"
	"github.com/cairn-os/cairn/internal/pkg/partition"
)

// StateDir is where STATE is mounted (machined's --state in metal mode); ESPDir is where the
// EFI system partition is mounted on a node that boots from a disk.
const (
	StateDir = "/system/state"
	ESPDir   = "/system/efi"
	// WipeEphemeralMarker, a file in STATE, asks the next boot to format EPHEMERAL (a reset
	// with --wipe user or all; /var cannot be formatted while services use it).
	WipeEphemeralMarker = "wipe-ephemeral"
)

// diskVolume is a partition of the boot disk machined mounts.
type diskVolume struct {
	label, target string
	flags         uintptr
	mode          os.FileMode
}

// volumes are STATE (config, identity, audit trail: no executables) and EPHEMERAL (/var:
// containerd's snapshots hold executables).
var volumes = []diskVolume{
	{partition.LabelState, StateDir, nosuidNodevNoexec, 0o700},
	{partition.LabelEphemeral, "/var", nosuidNodev, 0o755},
}

// bootsFromDisk says whether /init mounted the root from a disk slot (cairn.slot=).
func bootsFromDisk(s *state) bool {
	_, ok := s.res.Cmdline.Get("cairn.slot")
	return ok
}

// mountDisks mounts STATE and EPHEMERAL when the node booted from a disk: on the first boot
// EPHEMERAL is added over the rest of the disk, and each is formatted ext4 when blank. A
// partition that holds data other than ext4 is never formatted: boot stops and says so.
func mountDisks(ctx context.Context, s *state) error {
	if !bootsFromDisk(s) {
		s.log.Info("root in RAM (no cairn.slot= argument): STATE and /var are held in memory and lost at reboot")
		return nil
	}
	st, err := waitPartition(ctx, partition.LabelState, 30*time.Second)
	if err != nil {
		return err
	}
	added, err := partition.AddRest(st.Disk, partition.LabelEphemeral)
	if err != nil {
		return err
	}
	if added {
		s.log.Info("added EPHEMERAL over the rest of the disk", "disk", st.Disk)
	}
	for _, v := range volumes {
		fresh := v.label == partition.LabelEphemeral && (added || wipeRequested(s))
		if err := mountVolume(ctx, s, v, fresh); err != nil {
			return err
		}
	}
	if err := os.Remove(filepath.Join(StateDir, WipeEphemeralMarker)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove the wipe marker: %w", err)
	}
	return nil
}

// wipeRequested says whether a reset asked for EPHEMERAL to be wiped (STATE is mounted).
func wipeRequested(s *state) bool {
	_, err := os.Stat(filepath.Join(StateDir, WipeEphemeralMarker))
	if err == nil {
		s.log.Info("a reset asked for EPHEMERAL to be wiped: formatting it")
	}
	return err == nil
}

// mountESP mounts the EFI system partition (boot loader, boot entries, each slot's kernel):
// upgrades write it. The node boots without it; it then cannot upgrade, and says so.
func mountESP(ctx context.Context, s *state) error {
	if !bootsFromDisk(s) {
		return nil
	}
	d, err := waitPartition(ctx, partition.LabelEFI, 5*time.Second)
	if err != nil {
		return err
	}
	p := mount.Point{Source: d.Path, Target: ESPDir, FSType: "vfat", Flags: nosuidNodevNoexec,
		Data: "umask=0077,shortname=mixed,codepage=437,iocharset=ascii,errors=remount-ro"}
	return p.Mount()
}

// mountVolume formats v when blank (or fresh: a partition just created over unallocated
// space) and mounts it.
func mountVolume(ctx context.Context, s *state, v diskVolume, fresh bool) error {
	d, err := waitPartition(ctx, v.label, 30*time.Second)
	if err != nil {
		return err
	}
	c, err := partition.Probe(d.Path)
	if err != nil {
		return fmt.Errorf("%s (%s): %w", v.label, d.Path, err)
	}
	switch {
	case c == partition.Ext4:
	case c == partition.Blank || fresh:
		start := time.Now()
		if err := partition.FormatExt4(ctx, partition.Mke2fs, d.Path, v.label); err != nil {
			return err
		}
		s.log.Info("created ext4", "partition", v.label, "device", d.Path, "took", time.Since(start).Round(time.Millisecond))
	default:
		return fmt.Errorf("%s (%s) holds %s: not formatted, to keep that data; wipe it (cairnctl reset --wipe) or install again", v.label, d.Path, c)
	}
	p := mount.Point{Source: d.Path, Target: v.target, FSType: "ext4", Flags: v.flags}
	if err := p.Mount(); err != nil {
		return err
	}
	if err := os.Chmod(v.target, v.mode); err != nil {
		return fmt.Errorf("chmod %s: %w", v.target, err)
	}
	s.log.Info("mounted", "partition", v.label, "device", d.Path, "target", v.target)
	return nil
}

// waitPartition finds the partition named label, waiting for the kernel to list it and for
// devtmpfs to create its node (both asynchronous after a table change or at early boot).
func waitPartition(ctx context.Context, label string, timeout time.Duration) (partition.Device, error) {
	deadline := time.Now().Add(timeout)
	for {
		d, err := partition.Find(partition.SysClassBlock, label)
		if err == nil {
			var st unix.Stat_t
			if err = unix.Stat(d.Path, &st); err == nil {
				return d, nil
			}
		}
		if !errors.Is(err, partition.ErrNotFound) && !errors.Is(err, unix.ENOENT) {
			return d, err
		}
		if time.Now().After(deadline) {
			return d, fmt.Errorf("partition %s: none after %s: %w", label, timeout, err)
		}
		select {
		case <-ctx.Done():
			return d, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
