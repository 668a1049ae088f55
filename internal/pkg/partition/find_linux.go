package partition

import (
	"fmt"
	"path/filepath"

	"github.com/cairn-os/cairn/internal/pkg/blockdev"
)

// SysClassBlock is where the kernel lists block devices.
const SysClassBlock = blockdev.SysBlock

// Device is a partition and the disk it is on.
type Device struct {
	Name string // kernel name, e.g. vda5
	Path string // /dev/vda5
	Disk string // the whole disk, e.g. /dev/vda
}

// ErrNotFound is returned when no partition carries the GPT name asked for.
var ErrNotFound = blockdev.ErrNotFound

// Find returns the partition whose GPT name is label and its disk (the parent directory of
// its node in the sysfs device tree). sys is SysClassBlock except in tests. Two partitions
// with the same name are an error: which one holds the node's state would be a guess.
func Find(sys, label string) (Device, error) {
	devs, err := blockdev.List(sys)
	if err != nil {
		return Device{}, err
	}
	d, err := blockdev.ByPartName(devs, label)
	if err != nil {
		return Device{}, err
	}
	node, err := filepath.EvalSymlinks(filepath.Join(sys, d.Name))
	if err != nil {
		return Device{}, fmt.Errorf("resolve %s: %w", d.Name, err)
	}
	return Device{Name: d.Name, Path: d.Path(), Disk: "/dev/" + filepath.Base(filepath.Dir(node))}, nil
}
