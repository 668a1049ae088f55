package blockdev

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// SysBlock is where the kernel lists block devices.
const SysBlock = "/sys/class/block"

// ErrNotFound means no partition has the name asked for.
var ErrNotFound = errors.New("no such partition")

// List reads the uevent of every block device under dir (SysBlock outside tests).
func List(dir string) ([]Device, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list block devices: %w", err)
	}
	var out []Device
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name(), "uevent"))
		if err != nil {
			continue // gone since ReadDir
		}
		d, err := ParseUevent(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		out = append(out, d)
	}
	return out, nil
}

// ByPartName returns the one partition named name. Two with that name are an error: which
// one boots must not depend on probe order.
func ByPartName(devs []Device, name string) (Device, error) {
	var found []Device
	var names []string
	for _, d := range devs {
		if d.Partition && d.PartName == name {
			found = append(found, d)
		}
		if d.Partition {
			names = append(names, fmt.Sprintf("%s=%q", d.Name, d.PartName))
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return Device{}, fmt.Errorf("%w named %q (partitions: %s)", ErrNotFound, name, orNone(names))
	}
	return Device{}, fmt.Errorf("%d partitions named %q (%s): refusing to choose", len(found), name, strings.Join(names, ", "))
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// WaitPartName polls dir every interval until a partition named name appears (disks probe
// asynchronously after their modules load) or ctx ends; then it returns the last error, which
// says what was seen.
func WaitPartName(ctx context.Context, dir, name string, interval time.Duration) (Device, error) {
	for {
		devs, err := List(dir)
		if err == nil {
			var d Device
			if d, err = ByPartName(devs, name); err == nil || !errors.Is(err, ErrNotFound) {
				return d, err
			}
		}
		select {
		case <-ctx.Done():
			return Device{}, err
		case <-time.After(interval):
		}
	}
}
