package partition

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// SysClassBlock is where the kernel lists block devices.
const SysClassBlock = "/sys/class/block"

// Device is a partition as the kernel sees it.
type Device struct {
	Name   string // kernel name, e.g. vda5
	Path   string // /dev/vda5
	Disk   string // the whole disk, e.g. /dev/vda
	Number int    // partition number on the disk
}

// ErrNotFound is returned when no partition carries the GPT name asked for.
var ErrNotFound = errors.New("no such partition")

// Find returns the partition whose GPT name is label. sys is SysClassBlock except in tests.
// Two partitions with the same name (a second Cairn disk) are an error: which one holds the
// node's state would be a guess.
func Find(sys, label string) (Device, error) {
	entries, err := os.ReadDir(sys)
	if err != nil {
		return Device{}, fmt.Errorf("list block devices: %w", err)
	}
	var found []Device
	for _, e := range entries {
		u, err := os.ReadFile(filepath.Join(sys, e.Name(), "uevent"))
		if err != nil {
			continue
		}
		ev := ParseUevent(string(u))
		if ev["DEVTYPE"] != "partition" || ev["PARTNAME"] != label {
			continue
		}
		d, err := device(sys, e.Name(), ev)
		if err != nil {
			return Device{}, err
		}
		found = append(found, d)
	}
	switch len(found) {
	case 0:
		return Device{}, fmt.Errorf("partition %q: %w", label, ErrNotFound)
	case 1:
		return found[0], nil
	}
	return Device{}, fmt.Errorf("partition %q: on %s and %s: remove or wipe the other disk", label, found[0].Path, found[1].Path)
}

// device fills in a partition's disk (the parent directory of its sysfs node) and number.
func device(sys, name string, ev map[string]string) (Device, error) {
	real, err := filepath.EvalSymlinks(filepath.Join(sys, name))
	if err != nil {
		return Device{}, fmt.Errorf("resolve %s: %w", name, err)
	}
	n, err := strconv.Atoi(ev["PARTN"])
	if err != nil || n < 1 {
		return Device{}, fmt.Errorf("partition %s: PARTN %q is not a partition number", name, ev["PARTN"])
	}
	return Device{Name: name, Path: "/dev/" + name, Disk: "/dev/" + filepath.Base(filepath.Dir(real)), Number: n}, nil
}

// ParseUevent reads the KEY=VALUE lines of a sysfs uevent file. Lines without "=" are skipped.
func ParseUevent(s string) map[string]string {
	m := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && k != "" {
			m[k] = v
		}
	}
	return m
}
