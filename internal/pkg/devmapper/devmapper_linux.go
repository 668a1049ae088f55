package devmapper

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Dir holds the device nodes this package creates: /dev/mapper/NAME, as udev would name them.
const Dir = "/dev/mapper"

const control = Dir + "/control"

// statusBufSize is the reply room for DM_TABLE_STATUS: a few targets' status lines.
const statusBufSize = 16 << 10

// ioctl sends one device-mapper command and decodes the header of the reply.
func ioctl(cmd uint, h header, payload []byte, size int) (header, []byte, error) {
	buf, err := encode(h, payload, size)
	if err != nil {
		return header{}, nil, err
	}
	fd, err := openControl()
	if err != nil {
		return header{}, nil, err
	}
	defer func() { _ = unix.Close(fd) }()
	// The kernel reads and writes buf in place; the conversion stays in the call (unsafe rule 4).
	//nolint:gosec // G103: an ioctl's argument is a pointer; buf is at least as long as data_size says.
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(cmd), uintptr(unsafe.Pointer(&buf[0]))); e != 0 {
		return header{}, nil, e
	}
	r, err := decode(buf)
	return r, buf, err
}

// openControl opens /dev/mapper/control, creating the node (misc 10:236) if devtmpfs did not.
func openControl() (int, error) {
	fd, err := unix.Open(control, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ENOENT) {
		if err := os.MkdirAll(Dir, 0o750); err != nil {
			return -1, fmt.Errorf("device-mapper: %w", err)
		}
		if err := unix.Mknod(control, unix.S_IFCHR|0o600, int(unix.Mkdev(10, 236))); err != nil && !errors.Is(err, unix.EEXIST) {
			return -1, fmt.Errorf("device-mapper: mknod %s: %w", control, err)
		}
		fd, err = unix.Open(control, unix.O_RDWR|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		return -1, fmt.Errorf("device-mapper: open %s (is dm_mod loaded?): %w", control, err)
	}
	return fd, nil
}

// CreateVerity creates the read-only dm-verity device name and its node /dev/mapper/NAME,
// which it returns. On error nothing is left behind.
func CreateVerity(name string, v Verity) (string, error) {
	if err := v.Validate(); err != nil {
		return "", err
	}
	table, err := encodeTargets([]target{v.target()})
	if err != nil {
		return "", err
	}
	if _, _, err := ioctl(unix.DM_DEV_CREATE, header{Name: name, Flags: unix.DM_READONLY_FLAG}, nil, 0); err != nil {
		return "", fmt.Errorf("device-mapper: create %s: %w", name, err)
	}
	path, err := activate(name, table)
	if err != nil {
		_ = Remove(name)
		return "", err
	}
	return path, nil
}

// activate loads a one-target read-only table into name, resumes it and makes its node.
func activate(name string, table []byte) (string, error) {
	h := header{Name: name, Flags: unix.DM_READONLY_FLAG, TargetCount: 1}
	if _, _, err := ioctl(unix.DM_TABLE_LOAD, h, table, 0); err != nil {
		return "", fmt.Errorf("device-mapper: load the verity table of %s (the kernel logs why): %w", name, err)
	}
	r, _, err := ioctl(unix.DM_DEV_SUSPEND, header{Name: name}, nil, 0) // no SUSPEND flag: resume
	if err != nil {
		return "", fmt.Errorf("device-mapper: resume %s: %w", name, err)
	}
	path := filepath.Join(Dir, name)
	_ = os.Remove(path)
	dev := int(unix.Mkdev(unix.Major(r.Dev), unix.Minor(r.Dev)))
	if err := unix.Mknod(path, unix.S_IFBLK|0o400, dev); err != nil {
		return "", fmt.Errorf("device-mapper: mknod %s: %w", path, err)
	}
	return path, nil
}

// Remove removes the device name and its node.
func Remove(name string) error {
	_ = os.Remove(filepath.Join(Dir, name))
	if _, _, err := ioctl(unix.DM_DEV_REMOVE, header{Name: name}, nil, 0); err != nil {
		return fmt.Errorf("device-mapper: remove %s: %w", name, err)
	}
	return nil
}

// Status returns the status line of the device's first target; for verity it is "V" while
// every block read so far verified and "C" once one did not.
func Status(name string) (string, error) {
	r, buf, err := ioctl(unix.DM_TABLE_STATUS, header{Name: name}, nil, statusBufSize)
	if err != nil {
		return "", fmt.Errorf("device-mapper: status of %s: %w", name, err)
	}
	if r.Flags&unix.DM_BUFFER_FULL_FLAG != 0 {
		return "", fmt.Errorf("device-mapper: status of %s does not fit in %d bytes", name, statusBufSize)
	}
	end := min(int(r.DataSize), len(buf))
	if int(r.DataStart) > end {
		return "", fmt.Errorf("device-mapper: status of %s: data at %d beyond %d", name, r.DataStart, end)
	}
	ts, err := decodeTargets(buf[r.DataStart:end], r.TargetCount)
	if err != nil || len(ts) == 0 {
		return "", fmt.Errorf("device-mapper: status of %s: %d targets: %w", name, len(ts), err)
	}
	return ts[0].Params, nil
}
