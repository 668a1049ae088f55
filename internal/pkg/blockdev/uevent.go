// Package blockdev finds block devices by what sysfs says of them: a partition by its GPT
// name (PARTNAME in /sys/class/block/*/uevent).
package blockdev

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// maxUevent bounds what ParseUevent reads: a block device's uevent is a few hundred bytes.
const maxUevent = 4096

// Device is a block device as its uevent file describes it.
type Device struct {
	Name         string // DEVNAME: vda2, the node under /dev
	Major, Minor uint32
	Partition    bool   // DEVTYPE=partition
	PartName     string // PARTNAME: the GPT partition name, "" when none
}

// ParseUevent parses a sysfs uevent file (KEY=VALUE lines).
func ParseUevent(data []byte) (Device, error) {
	if len(data) > maxUevent {
		return Device{}, fmt.Errorf("uevent of %d bytes, want <= %d", len(data), maxUevent)
	}
	var d Device
	s := bufio.NewScanner(bytes.NewReader(data))
	for s.Scan() {
		k, v, ok := strings.Cut(s.Text(), "=")
		if !ok {
			continue
		}
		if err := d.set(k, v); err != nil {
			return Device{}, err
		}
	}
	if d.Name == "" || strings.ContainsAny(d.Name, "\x00") || strings.Contains(d.Name, "..") {
		return Device{}, fmt.Errorf("uevent: DEVNAME %q: want a device name", d.Name)
	}
	return d, nil
}

func (d *Device) set(k, v string) error {
	switch k {
	case "DEVNAME":
		d.Name = v
	case "DEVTYPE":
		d.Partition = v == "partition"
	case "PARTNAME":
		d.PartName = v
	case "MAJOR", "MINOR":
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return fmt.Errorf("uevent: %s=%q: %w", k, v, err)
		}
		if k == "MAJOR" {
			d.Major = uint32(n)
		} else {
			d.Minor = uint32(n)
		}
	}
	return nil
}

// Path is the device node, /dev/DEVNAME.
func (d Device) Path() string { return "/dev/" + d.Name }
