// Package init is /init of the initramfs: it mounts the pseudo filesystems, loads the modules
// that reach the root, mounts the root read-only, switches root and execs machined. The root
// is the boot slot's squashfs under dm-verity when the kernel command line names a slot
// (cairn.slot, from the disk's boot entry), else rootfs.sqsh from the initramfs through a
// loop device (PXE, direct QEMU boot, the ISO).
package init

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cairn-os/cairn/internal/pkg/cmdline"
)

const (
	sqsh    = "/rootfs.sqsh"
	newRoot = "/newroot"
	// machined is PID 1 on the real root.
	machined = "/sbin/machined"
)

// Main is the "init" role of the multi-call binary.
func Main(_ context.Context, _ []string) error {
	if os.Getpid() != 1 {
		return errors.New("init must run as PID 1")
	}
	if !inInitramfs() {
		// Started as /sbin/init on the real root: that is machined.
		return exec(nil)
	}
	log := consoleLogger()
	start := time.Now()
	if err := run(log); err != nil {
		fatal(log, err)
	}
	log.Info("switched root; starting machined", "elapsed", time.Since(start).Round(time.Millisecond))
	err := exec(log)
	fatal(log, err)
	return err
}

// inInitramfs tells the initramfs (a ramfs or tmpfs root, with or without rootfs.sqsh: the
// disk initramfs has none) from the real root (squashfs).
func inInitramfs() bool {
	var st unix.Statfs_t
	if err := unix.Statfs("/", &st); err != nil {
		return false
	}
	return isInitramfsFS(st.Type)
}

func isInitramfsFS(t int64) bool {
	return t == unix.RAMFS_MAGIC || t == unix.TMPFS_MAGIC
}

// exec execs machined with the environment the kernel command line asks for (cairn.fips);
// log, when set, says on the console which mode it runs in.
func exec(log *slog.Logger) error {
	env, strict := os.Environ(), false
	if c, err := cmdline.Read(); err == nil {
		env, strict, err = fipsEnv(c, env)
		if log != nil && err != nil {
			log.Error("kernel command line", "error", err)
		}
	}
	if log != nil && strict {
		log.Info("cairn.fips=strict: machined and the services that allow it run with GODEBUG=fips140=only")
	}
	err := unix.Exec(machined, []string{machined, "--mode", "metal"}, env)
	return fmt.Errorf("exec %s: %w", machined, err)
}

// consoleLogger reopens the standard streams on /dev/console and logs there.
func consoleLogger() *slog.Logger {
	if c, err := os.OpenFile("/dev/console", os.O_RDWR, 0); err == nil {
		for fd := 0; fd < 3; fd++ {
			_ = unix.Dup3(int(c.Fd()), fd, 0)
		}
		_ = c.Close()
	}
	h := slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{ReplaceAttr: dropTime})
	return slog.New(h).With("component", "init")
}

// dropTime removes the wall clock from console lines (the kernel prefixes uptime anyway).
func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

// fatal is the one way out of /init: log, sync, wait so a human can read the console, reboot.
func fatal(log *slog.Logger, err error) {
	log.Error("boot failed; rebooting in 10s", "error", err)
	unix.Sync()
	time.Sleep(10 * time.Second)
	_ = unix.Reboot(unix.LINUX_REBOOT_CMD_RESTART)
	select {}
}
