package mount

import (
	"errors"
	"fmt"
	"os"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// Mount creates the target directory and mounts p, unless something is mounted there
// already (then it does nothing).
func (p Point) Mount() error {
	if err := os.MkdirAll(p.Target, 0o755); err != nil { //nolint:gosec // mount points and image directories are world-readable by design.
		return fmt.Errorf("%s: %w", p, err)
	}
	if ok, err := IsMountpoint(p.Target); err == nil && ok {
		return nil
	}
	if err := unix.Mount(p.Source, p.Target, p.FSType, p.Flags, p.Data); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return nil
}

// IsMountpoint reports whether target is a mount point in this namespace, through
// moby/sys/mountinfo: openat2 answers without reading /proc/self/mountinfo where it can.
func IsMountpoint(target string) (bool, error) {
	return mountinfo.Mounted(target)
}

// Move moves the mount at src to dst (mount --move).
func Move(src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil { //nolint:gosec // mount points and image directories are world-readable by design.
		return err
	}
	if err := unix.Mount(src, dst, "", unix.MS_MOVE, ""); err != nil {
		return fmt.Errorf("move mount %s to %s: %w", src, dst, err)
	}
	return nil
}

// Loop attaches file to a free loop device with LOOP_CONFIGURE and returns the device path.
func Loop(file string, readOnly bool) (string, error) {
	ctl, err := os.OpenFile("/dev/loop-control", os.O_RDWR, 0)
	if err != nil {
		return "", fmt.Errorf("loop: %w", err)
	}
	defer func() { _ = ctl.Close() }()
	// No LO_FLAGS_AUTOCLEAR: it would detach the device as soon as configure closes it,
	// before anything mounts it.
	flag, loFlags := os.O_RDWR, uint32(0)
	if readOnly {
		flag, loFlags = os.O_RDONLY, unix.LO_FLAGS_READ_ONLY
	}
	backing, err := os.OpenFile(file, flag, 0)
	if err != nil {
		return "", fmt.Errorf("loop: %w", err)
	}
	defer func() { _ = backing.Close() }()
	for attempt := 0; attempt < 8; attempt++ {
		n, err := unix.IoctlRetInt(int(ctl.Fd()), unix.LOOP_CTL_GET_FREE)
		if err != nil {
			return "", fmt.Errorf("loop: get free device: %w", err)
		}
		dev := fmt.Sprintf("/dev/loop%d", n)
		err = configure(dev, backing, loFlags)
		if errors.Is(err, unix.EBUSY) {
			continue // another process took it first
		}
		if err != nil {
			return "", err
		}
		return dev, nil
	}
	return "", fmt.Errorf("loop: every free device was taken while attaching %s", file)
}

func configure(dev string, backing *os.File, loFlags uint32) error {
	d, err := os.OpenFile(dev, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("loop: %w", err)
	}
	defer func() { _ = d.Close() }()
	cfg := unix.LoopConfig{Fd: uint32(backing.Fd())}
	cfg.Info.Flags = loFlags
	copy(cfg.Info.File_name[:], backing.Name())
	if err := unix.IoctlLoopConfigure(int(d.Fd()), &cfg); err != nil {
		return fmt.Errorf("loop: configure %s with %s: %w", dev, backing.Name(), err)
	}
	return nil
}
