package init

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/cairn-os/cairn/internal/pkg/cmdline"
	"github.com/cairn-os/cairn/internal/pkg/installpayload"
	"github.com/cairn-os/cairn/internal/pkg/kmod"
	"github.com/cairn-os/cairn/internal/pkg/mount"
)

// early are the pseudo filesystems /init needs; they move to the new root.
var early = []mount.Point{
	{Source: "devtmpfs", Target: "/dev", FSType: "devtmpfs", Flags: unix.MS_NOSUID, Data: "mode=0755"},
	{Source: "proc", Target: "/proc", FSType: "proc", Flags: unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC},
	{Source: "sysfs", Target: "/sys", FSType: "sysfs", Flags: unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC},
}

// run performs the steps of /init in order.
func run(log *slog.Logger) error {
	for _, p := range early {
		if err := p.Mount(); err != nil {
			return err
		}
	}
	consoleLogger() // /dev/console exists for sure now
	rel, err := kmod.Release()
	if err != nil {
		return err
	}
	names, err := kmod.ReadLoadList("/etc/modules-load.d/cairn.conf")
	if err != nil {
		return err
	}
	n, err := kmod.LoadNames(log, filepath.Join("/lib/modules", rel), names...)
	if err != nil {
		return err
	}
	log.Info("modules loaded", "count", n, "kernel", rel)
	if err := mountRoot(log); err != nil {
		return err
	}
	if err := handOverPayload(log); err != nil {
		return err
	}
	return switchRoot()
}

// handOverPayload opens the install payload of an install initramfs (the ISO's, PXE's) so
// that machined inherits it across exec: freeing the initramfs unlinks the file, the open
// descriptor keeps its pages. Its number goes in machined's environment.
func handOverPayload(log *slog.Logger) error {
	env, err := installpayload.Open("")
	if err != nil || env == "" {
		return err
	}
	name, fd, _ := strings.Cut(env, "=")
	if err := os.Setenv(name, fd); err != nil {
		return err
	}
	log.Info("install payload handed to machined", "image", "/"+installpayload.Path, "env", env)
	return nil
}

// mountRoot mounts the root at /newroot: the boot slot's squashfs under dm-verity when the
// command line names a slot, else rootfs.sqsh from the initramfs through a loop device.
func mountRoot(log *slog.Logger) error {
	c, err := cmdline.Read()
	if err != nil {
		return err
	}
	d, err := parseDiskArgs(c)
	if err != nil {
		return err
	}
	if d != nil {
		return mountDiskRoot(log, d)
	}
	dev, err := mount.Loop(sqsh, true)
	if err != nil {
		return err
	}
	root := mount.Point{Source: dev, Target: newRoot, FSType: "squashfs", Flags: unix.MS_RDONLY | unix.MS_NODEV}
	if err := root.Mount(); err != nil {
		return err
	}
	log.Info("root mounted read-only", "device", dev, "image", sqsh)
	return nil
}

// switchRoot moves the pseudo filesystems and the new root over /, frees the initramfs and
// chroots, like u-root's and busybox's switch_root.
func switchRoot() error {
	for _, p := range early {
		if err := mount.Move(p.Target, newRoot+p.Target); err != nil {
			return err
		}
	}
	if err := unix.Chdir(newRoot); err != nil {
		return fmt.Errorf("chdir %s: %w", newRoot, err)
	}
	freeInitramfs()
	if err := unix.Mount(".", "/", "", unix.MS_MOVE, ""); err != nil {
		return fmt.Errorf("move %s to /: %w", newRoot, err)
	}
	if err := unix.Chroot("."); err != nil {
		return fmt.Errorf("chroot: %w", err)
	}
	return unix.Chdir("/")
}

// freeInitramfs deletes the initramfs files (they live in RAM) without crossing into other
// filesystems. rootfs.sqsh (when the root is in RAM) stays allocated while its loop device
// holds it.
func freeInitramfs() {
	var root unix.Stat_t
	if unix.Lstat("/", &root) != nil {
		return
	}
	var walk func(dir string)
	walk = func(dir string) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			var st unix.Stat_t
			if unix.Lstat(p, &st) != nil || st.Dev != root.Dev {
				continue
			}
			if e.IsDir() {
				walk(p)
				_ = unix.Rmdir(p)
				continue
			}
			_ = unix.Unlink(p)
		}
	}
	walk("/")
}
