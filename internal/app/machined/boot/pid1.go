package boot

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/procfs"
	"golang.org/x/sys/unix"
)

// Power actions.
const (
	Reboot   = "reboot"
	Poweroff = "poweroff"
)

// Shutdown syncs the disks and reboots or powers off the machine. It returns only on
// failure.
func Shutdown(log *slog.Logger, action string) error {
	cmd := unix.LINUX_REBOOT_CMD_RESTART
	if action == Poweroff {
		cmd = unix.LINUX_REBOOT_CMD_POWER_OFF
	}
	log.Info("syncing disks and going down", "action", action)
	unix.Sync()
	if err := unix.Reboot(cmd); err != nil {
		return fmt.Errorf("%s: %w", action, err)
	}
	select {} // the kernel takes it from here
}

// Fatal is PID 1's one fatal path: log, sync, wait a moment for the console, reboot.
func Fatal(log *slog.Logger, err error) {
	log.Error("fatal error in machined; rebooting in 10s", "error", err)
	unix.Sync()
	time.Sleep(10 * time.Second)
	_ = Shutdown(log, Reboot)
}

// Reap collects zombies re-parented to PID 1 until ctx ends. Children that machined itself
// started (and waits for through os/exec) are left alone: a zombie is reaped only when it
// was already a zombie at the previous scan, so the waiting goroutine had time to collect it.
func Reap(ctx context.Context, log *slog.Logger) {
	seen := map[int]bool{}
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if len(seen) == 0 && !anyZombieChild() {
			continue
		}
		now := zombieChildren()
		for pid := range now {
			if !seen[pid] {
				continue
			}
			var ws unix.WaitStatus
			if got, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil); err == nil && got == pid {
				log.Debug("reaped orphan", "pid", pid, "status", ws.ExitStatus())
			}
		}
		seen = now
	}
}

// anyZombieChild reports whether a child of ours has exited and not been waited for, without
// collecting it (waitid with WNOWAIT): one system call, where a scan of /proc reads every
// process's stat file, which costs a control plane under emulation a tenth of a CPU at every
// tick. An error other than "no children" answers yes, so that the scan decides.
func anyZombieChild() bool {
	var info unix.Siginfo
	err := unix.Waitid(unix.P_ALL, 0, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
	switch {
	case errors.Is(err, unix.ECHILD):
		return false
	case err != nil:
		return true
	}
	return info.Signo != 0
}

// zombieChildren lists the pids of our children in state Z (/proc through prometheus/procfs).
func zombieChildren() map[int]bool {
	out := map[int]bool{}
	fs, err := procfs.NewFS("/proc")
	if err != nil {
		return out
	}
	procs, _ := fs.AllProcs()
	self := os.Getpid()
	for _, p := range procs {
		if st, err := p.Stat(); err == nil && st.State == "Z" && st.PPID == self {
			out[p.PID] = true
		}
	}
	return out
}

// inputEvent is struct input_event on 64-bit Linux.
type inputEvent struct {
	Sec, Usec int64
	Type      uint16
	Code      uint16
	Value     int32
}

const (
	evKey    = 0x01
	keyPower = 116
)

// WatchPowerButton calls onPress when an ACPI power button (or any input device with a power
// key) is pressed. It watches the /dev/input/event* devices that exist at call time.
func WatchPowerButton(ctx context.Context, log *slog.Logger, onPress func()) {
	devs, _ := filepath.Glob("/dev/input/event*")
	if len(devs) == 0 {
		log.Warn("no input devices; the power button is not watched")
		return
	}
	for _, d := range devs {
		go watchInput(ctx, log, d, onPress)
	}
}

func watchInput(ctx context.Context, log *slog.Logger, dev string, onPress func()) {
	f, err := os.Open(dev)
	if err != nil {
		log.Warn("cannot watch input device", "device", dev, "error", err)
		return
	}
	go func() { <-ctx.Done(); _ = f.Close() }()
	for {
		var ev inputEvent
		if err := binary.Read(f, binary.LittleEndian, &ev); err != nil {
			if !errors.Is(err, os.ErrClosed) {
				log.Debug("input device closed", "device", dev, "error", err)
			}
			return
		}
		if ev.Type == evKey && ev.Code == keyPower && ev.Value == 1 {
			log.Info("power button pressed", "device", dev)
			onPress()
		}
	}
}
