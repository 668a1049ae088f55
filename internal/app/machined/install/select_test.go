package install

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cairn-os/cairn/pkg/machinery/config"
)

// fakeSys lays out /sys/block as the kernel does for a virtio disk (no model), two SATA disks
// and a CD and a loop device (never candidates).
func fakeSys(t *testing.T) string {
	t.Helper()
	sys := t.TempDir()
	for name, d := range map[string]struct {
		gib   int64
		model string
	}{"vda": {8, ""}, "sda": {100, "QEMU HARDDISK"}, "sdb": {500, "Samsung SSD 980"}, "sr0": {1, "QEMU DVD-ROM"}, "loop0": {8, ""}} {
		must(t, os.MkdirAll(filepath.Join(sys, name, "device"), 0o755))
		must(t, os.WriteFile(filepath.Join(sys, name, "size"), []byte(strconv.FormatInt(d.gib<<21, 10)+"\n"), 0o644))
		if d.model != "" {
			must(t, os.WriteFile(filepath.Join(sys, name, "device", "model"), []byte(d.model+"    \n"), 0o644))
		}
	}
	return sys
}

func TestResolveDisk(t *testing.T) {
	sys := fakeSys(t)
	for _, tc := range []struct {
		in   config.InstallConfig
		want string
	}{
		{config.InstallConfig{Disk: "/dev/sdz"}, "/dev/sdz"},
		{config.InstallConfig{DiskSelector: config.DiskSelector{Size: "8GiB"}}, "/dev/vda"},
		{config.InstallConfig{DiskSelector: config.DiskSelector{Model: "Samsung*"}}, "/dev/sdb"},
		{config.InstallConfig{DiskSelector: config.DiskSelector{Size: ">= 50GiB", Model: "QEMU*"}}, "/dev/sda"},
		{config.InstallConfig{Disk: "/dev/sda", DiskSelector: config.DiskSelector{Size: ">= 50GiB"}}, "/dev/sda"},
	} {
		if got, err := ResolveDisk(sys, tc.in); err != nil || got != tc.want {
			t.Errorf("ResolveDisk(%+v) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		in   config.InstallConfig
		want string
	}{
		{config.InstallConfig{DiskSelector: config.DiskSelector{Size: ">= 50GiB"}}, "matches 2 disk(s)"},
		{config.InstallConfig{DiskSelector: config.DiskSelector{Model: "QEMU DVD*"}}, "matches 0 disk(s)"},
		{config.InstallConfig{Disk: "/dev/vda", DiskSelector: config.DiskSelector{Size: ">= 50GiB"}}, "matches 0 disk(s)"},
	} {
		_, err := ResolveDisk(sys, tc.in)
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `/dev/vda (8192 MiB, model "")`) {
			t.Errorf("ResolveDisk(%+v) = %v; want refused, %q, listing the disks", tc.in, err, tc.want)
		}
	}
}
