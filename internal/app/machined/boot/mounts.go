package boot

import (
	"context"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/cairn-os/cairn/internal/pkg/mount"
)

const (
	nosuidNodev       = unix.MS_NOSUID | unix.MS_NODEV
	nosuidNodevNoexec = nosuidNodev | unix.MS_NOEXEC
)

// mounts is the filesystem table of a booted node, in order. /dev, /proc and /sys arrive
// from /init already mounted; Mount skips what is mounted.
var mounts = []mount.Point{
	{Source: "devtmpfs", Target: "/dev", FSType: "devtmpfs", Flags: unix.MS_NOSUID, Data: "mode=0755"},
	{Source: "proc", Target: "/proc", FSType: "proc", Flags: nosuidNodevNoexec},
	{Source: "sysfs", Target: "/sys", FSType: "sysfs", Flags: nosuidNodevNoexec},
	{Source: "devpts", Target: "/dev/pts", FSType: "devpts", Flags: unix.MS_NOSUID | unix.MS_NOEXEC, Data: "ptmxmode=0666,mode=0620,gid=5"},
	{Source: "tmpfs", Target: "/dev/shm", FSType: "tmpfs", Flags: nosuidNodev, Data: "mode=1777"},
	{Source: "cgroup2", Target: "/sys/fs/cgroup", FSType: "cgroup2", Flags: nosuidNodevNoexec, Data: "nsdelegate"},
	{Source: "securityfs", Target: "/sys/kernel/security", FSType: "securityfs", Flags: nosuidNodevNoexec, Optional: true},
	{Source: "bpf", Target: "/sys/fs/bpf", FSType: "bpf", Flags: nosuidNodevNoexec, Data: "mode=0700", Optional: true},
	{Source: "tmpfs", Target: "/run", FSType: "tmpfs", Flags: nosuidNodev, Data: "mode=0755"},
	{Source: "tmpfs", Target: "/system", FSType: "tmpfs", Flags: nosuidNodev, Data: "mode=0700"},
	{Source: "tmpfs", Target: "/tmp", FSType: "tmpfs", Flags: nosuidNodev, Data: "mode=1777"},
	// /var: EPHEMERAL when the node boots from a disk (the disks phase mounts it), else memory.
	{Source: "tmpfs", Target: "/var", FSType: "tmpfs", Flags: nosuidNodev, Data: "mode=0755"},
}

func mountAll(_ context.Context, s *state) error {
	for _, p := range mounts {
		if p.Target == "/var" && bootsFromDisk(s) {
			continue
		}
		if err := p.Mount(); err != nil {
			if p.Optional {
				s.log.Warn("optional mount failed", "mount", p.String(), "error", err)
				continue
			}
			return err
		}
	}
	return nil
}

// etcOverlay puts a tmpfs upper layer over the read-only /etc so machined can write
// resolv.conf, hostname and Kubernetes files; the root stays read-only.
func etcOverlay(_ context.Context, _ *state) error {
	for _, d := range []string{"/system/etc/upper", "/system/etc/work"} {
		if err := os.MkdirAll(d, 0o755); err != nil { //nolint:gosec // mount points and image directories are world-readable by design.
			return fmt.Errorf("etc overlay: %w", err)
		}
	}
	p := mount.Point{Source: "overlay", Target: "/etc", FSType: "overlay", Flags: nosuidNodev,
		Data: "lowerdir=/etc,upperdir=/system/etc/upper,workdir=/system/etc/work"}
	return p.Mount()
}
