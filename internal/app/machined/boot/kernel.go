package boot

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cairn-os/cairn/internal/pkg/kmod"
	"github.com/cairn-os/cairn/internal/pkg/sysctl"
)

// loadModules loads the modules the image lists in /etc/modules-load.d/cairn.conf, with
// their dependencies. Configured extra modules come later from the machine config.
func loadModules(_ context.Context, s *state) error {
	rel, err := kmod.Release()
	if err != nil {
		return err
	}
	names, err := kmod.ReadLoadList("/etc/modules-load.d/cairn.conf")
	if err != nil {
		return err
	}
	n, err := kmod.LoadNames(s.log, filepath.Join("/lib/modules", rel), names...)
	if err != nil {
		return err
	}
	s.log.Info("kernel modules loaded", "count", n, "kernel", rel)
	return nil
}

// applySysctls applies the kernel self-protection settings (sysctl.KSPP).
func applySysctls(_ context.Context, s *state) error {
	var missing []string
	for _, kv := range sysctl.KSPP {
		if err := sysctl.Set(kv.Name, kv.Value); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				missing = append(missing, kv.Name)
				continue
			}
			s.log.Warn("sysctl not applied", "name", kv.Name, "value", kv.Value, "error", err)
		}
	}
	s.log.Info("sysctls applied", "count", len(sysctl.KSPP)-len(missing), "missing", strings.Join(missing, ","))
	return nil
}

// waitRNG waits (bounded) until the kernel's random pool is initialized, so keys made next
// are good; virtio-rng feeds it in VMs.
func waitRNG(_ context.Context, s *state) error {
	src, _ := os.ReadFile("/sys/class/misc/hw_random/rng_current")
	deadline := time.Now().Add(30 * time.Second)
	buf := make([]byte, 1)
	for {
		_, err := unix.Getrandom(buf, unix.GRND_NONBLOCK)
		if err == nil {
			s.log.Info("random pool ready", "hwrng", strings.TrimSpace(string(src)))
			return nil
		}
		if !errors.Is(err, unix.EAGAIN) || time.Now().After(deadline) {
			return fmt.Errorf("random pool not ready: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
