package qemu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Start writes the plan and starts the cluster daemon (executable with args, usually
// `cairnctl cluster serve --dir DIR`) in its own session, then waits until it reports the
// cluster running.
func Start(ctx context.Context, p *Plan, executable string, args []string, progress io.Writer) (*State, error) {
	if err := writeJSON(filepath.Join(p.Dir, planFile), p); err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(filepath.Join(p.Dir, "daemon.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer func() { _ = logf.Close() }()
	cmd := exec.Command(executable, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start cluster daemon: %w", err)
	}
	pid := cmd.Process.Pid
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	_, _ = fmt.Fprintf(progress, "cluster daemon started (pid %d); creating namespace %s, bridge, DHCP and config servers\n", pid, p.Netns)
	for {
		if st, err := LoadState(p.Dir); err == nil {
			if st.Error != "" {
				return st, fmt.Errorf("cluster daemon: %s (see %s)", st.Error, filepath.Join(p.Dir, "daemon.log"))
			}
			if st.Ready {
				return st, nil
			}
		}
		select {
		case err := <-done:
			return nil, fmt.Errorf("cluster daemon exited (see %s): %w", filepath.Join(p.Dir, "daemon.log"), err)
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Destroy stops the cluster in dir and removes every trace: the daemon and the VMs (by PID),
// the namespace (by name) and the directory.
func Destroy(dir string, progress io.Writer) error {
	p, err := LoadPlan(dir)
	if err != nil {
		// No plan (a create that died early): remove what its name implies, if anything.
		ns := "cairn-" + filepath.Base(dir)
		if _, serr := os.Stat(filepath.Join("/run/netns", ns)); serr == nil {
			_, _ = fmt.Fprintf(progress, "no plan in %s; removing namespace %s by name\n", dir, ns)
			return errors.Join(deleteNetns(ns), os.RemoveAll(dir))
		}
		return fmt.Errorf("no cluster in %s: %w", dir, err)
	}
	if st, err := LoadState(dir); err == nil {
		if ownProcess(st.DaemonPID, "cairnctl", dir) || ownProcess(st.DaemonPID, "", dir) {
			_, _ = fmt.Fprintf(progress, "stopping cluster daemon (pid %d)\n", st.DaemonPID)
			_ = syscall.Kill(st.DaemonPID, syscall.SIGTERM)
			waitGone(st.DaemonPID, 20*time.Second)
			_ = syscall.Kill(st.DaemonPID, syscall.SIGKILL)
		}
		for name, pid := range st.QEMU {
			if ownProcess(pid, "qemu", name) {
				_, _ = fmt.Fprintf(progress, "killing QEMU of %s (pid %d)\n", name, pid)
				_ = syscall.Kill(pid, syscall.SIGKILL)
				waitGone(pid, 5*time.Second)
			}
		}
	}
	if err := deleteNetns(p.Netns); err != nil {
		return err
	}
	_, _ = fmt.Fprintf(progress, "namespace %s removed\n", p.Netns)
	return os.RemoveAll(dir)
}

// ownProcess reports whether pid is alive and its command line holds both marks (so a
// recycled PID is never signalled).
func ownProcess(pid int, mark1, mark2 string) bool {
	if pid <= 0 || !processAlive(pid) {
		return false
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	cl := strings.ReplaceAll(string(data), "\x00", " ")
	return strings.Contains(cl, mark1) && strings.Contains(cl, mark2)
}

func waitGone(pid int, d time.Duration) {
	deadline := time.Now().Add(d)
	for processAlive(pid) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
}

// Running reports whether the node's QEMU process is alive.
func (s *State) Running(node string) bool {
	pid, ok := s.QEMU[node]
	return ok && ownProcess(pid, "qemu", node)
}

// ErrExists is returned when a cluster directory is already there.
var ErrExists = errors.New("cluster already exists")
