package install

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cairn-os/cairn/internal/pkg/mount"
	"github.com/cairn-os/cairn/internal/pkg/partition"
)

// stateMount is where the new STATE is mounted while it is filled.
const stateMount = "/run/cairn/install-state"

// FillStateDir returns the FillState of a real install: it waits for the kernel to list the
// new disk's CAIRN-STATE, formats it ext4 with the image's mke2fs, mounts it and copies the
// directory src (the node's in-RAM STATE: configuration, identity, audit log) into it, so
// the node boots from the disk as the node it is, its audit chain continuing.
func FillStateDir(src string) func(ctx context.Context, disk string) error {
	return func(ctx context.Context, disk string) error {
		dev, err := statePartition(ctx, disk)
		if err != nil {
			return err
		}
		if err := partition.FormatExt4(ctx, partition.Mke2fs, dev, partition.LabelState); err != nil {
			return err
		}
		p := mount.Point{Source: dev, Target: stateMount, FSType: "ext4", Flags: unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC}
		if err := p.Mount(); err != nil {
			return err
		}
		err = copyTree(src, stateMount)
		if uerr := unix.Unmount(stateMount, 0); err == nil && uerr != nil {
			err = fmt.Errorf("unmount %s: %w", stateMount, uerr)
		}
		return err
	}
}

// statePartition waits (10 s at most) for the kernel to list CAIRN-STATE on disk.
func statePartition(ctx context.Context, disk string) (string, error) {
	want, err := filepath.EvalSymlinks(disk)
	if err != nil {
		return "", err
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		d, err := partition.Find(partition.SysClassBlock, partition.LabelState)
		if err == nil && d.Disk != want {
			err = fmt.Errorf("%s is on %s, not %s", partition.LabelState, d.Disk, want)
		}
		if err == nil {
			if _, err = os.Stat(d.Path); err == nil {
				return d.Path, nil
			}
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("the kernel lists no %s on %s after the partition table was written: %w", partition.LabelState, want, err)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// copyTree copies the directories and regular files under src to dst (keeping their
// modes) and syncs each file; sockets and other special files are left out.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		info, err := de.Info()
		if err != nil {
			return err
		}
		switch {
		case de.IsDir():
			if err := os.MkdirAll(to, info.Mode().Perm()); err != nil {
				return err
			}
			return os.Chmod(to, info.Mode().Perm())
		case info.Mode().IsRegular():
			return copyFile(p, to, info.Mode().Perm())
		}
		return nil
	})
}

func copyFile(from, to string, mode fs.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("copy %s: %w", from, err)
	}
	return nil
}
