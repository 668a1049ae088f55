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

// kspp are the kernel self-protection settings (Kernel Self Protection Project
// recommendations that do not break Kubernetes).
var kspp = [][2]string{
	{"kernel.kptr_restrict", "2"},
	{"kernel.dmesg_restrict", "1"},
	{"kernel.perf_event_paranoid", "3"},
	{"kernel.kexec_load_disabled", "1"},
	{"kernel.yama.ptrace_scope", "1"},
	{"kernel.unprivileged_bpf_disabled", "1"},
	{"net.core.bpf_jit_harden", "2"},
	{"kernel.randomize_va_space", "2"},
	{"kernel.sysrq", "0"},
	{"kernel.panic_on_oops", "1"},
	{"kernel.panic", "10"},
	{"kernel.io_uring_disabled", "2"},
	{"dev.tty.ldisc_autoload", "0"},
	{"vm.unprivileged_userfaultfd", "0"},
	{"fs.protected_symlinks", "1"},
	{"fs.protected_hardlinks", "1"},
	{"fs.protected_fifos", "2"},
	{"fs.protected_regular", "2"},
	{"fs.suid_dumpable", "0"},
	{"net.ipv4.tcp_syncookies", "1"},
}

func applySysctls(_ context.Context, s *state) error {
	var missing []string
	for _, kv := range kspp {
		if err := sysctl.Set(kv[0], kv[1]); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				missing = append(missing, kv[0])
				continue
			}
			s.log.Warn("sysctl not applied", "name", kv[0], "value", kv[1], "error", err)
		}
	}
	s.log.Info("sysctls applied", "count", len(kspp)-len(missing), "missing", strings.Join(missing, ","))
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
