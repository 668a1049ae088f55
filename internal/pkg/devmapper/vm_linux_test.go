package devmapper

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/cairn-os/cairn/internal/pkg/kmod"
)

// vmMain runs the tests as a VM's /init: /modules lists module files to load in order,
// /fixture holds the verity fixture. It prints "DEVMAPPER-TESTS-EXIT n" and powers off.
func vmMain(m *testing.M) {
	code := 1
	if err := vmSetup(); err != nil {
		fmt.Println("vm setup:", err)
	} else {
		_ = os.Setenv("CAIRN_DM_FIXTURE", "/fixture")
		code = m.Run()
	}
	fmt.Printf("DEVMAPPER-TESTS-EXIT %d\n", code)
	unix.Sync()
	_ = unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF)
	select {}
}

func vmSetup() error {
	for _, m := range [][3]string{{"devtmpfs", "/dev", "devtmpfs"}, {"proc", "/proc", "proc"}, {"sysfs", "/sys", "sysfs"}, {"tmpfs", "/tmp", "tmpfs"}} {
		_ = os.MkdirAll(m[1], 0o755)
		if err := unix.Mount(m[0], m[1], m[2], 0, ""); err != nil {
			return fmt.Errorf("mount %s: %w", m[1], err)
		}
	}
	f, err := os.Open("/modules")
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if p := strings.TrimSpace(s.Text()); p != "" {
			if err := kmod.Load(p, ""); err != nil {
				return err
			}
		}
	}
	return s.Err()
}
