package qemu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/procfs"
	"golang.org/x/sys/unix"
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
		if st, err := LoadState(p.Dir); err == nil && st.DaemonPID == pid {
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

// Stop ends the whole cluster in dir (the daemon, its VMs and its namespace) and keeps its
// files: Restart boots it again from the same disks and configurations.
func Stop(dir string, progress io.Writer) error {
	if _, err := LoadPlan(dir); err != nil {
		return fmt.Errorf("no cluster in %s: %w", dir, err)
	}
	st, err := LoadState(dir)
	if err != nil || !DaemonRunning(dir, st) {
		_, _ = fmt.Fprintln(progress, "cluster already stopped")
		return nil
	}
	stopDaemon(dir, st, progress)
	for name := range st.QEMU {
		killQEMU(st, name, progress)
	}
	return nil
}

// Restart starts every node of the cluster in dir: through its daemon if it runs, else by
// starting the daemon again (executable with args, as for Start).
func Restart(ctx context.Context, dir, executable string, args []string, progress io.Writer) (*State, error) {
	p, err := LoadPlan(dir)
	if err != nil {
		return nil, fmt.Errorf("no cluster in %s: %w", dir, err)
	}
	if st, err := LoadState(dir); err == nil && DaemonRunning(dir, st) {
		return SetNodes(ctx, dir, nil, true)
	}
	if err := os.Remove(filepath.Join(dir, downFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return Start(ctx, p, executable, args, progress)
}

// SetNodes starts (up) or stops the named nodes (all with none named) through the running
// daemon, and returns its state once each node's QEMU is in the wanted state.
func SetNodes(ctx context.Context, dir string, nodes []string, up bool) (*State, error) {
	p, err := LoadPlan(dir)
	if err != nil {
		return nil, fmt.Errorf("no cluster in %s: %w", dir, err)
	}
	if nodes, err = p.nodeNames(nodes); err != nil {
		return nil, err
	}
	st, err := LoadState(dir)
	if err != nil || !DaemonRunning(dir, st) {
		return nil, fmt.Errorf("cluster %q is stopped: start all of it with cairnctl cluster start --name %s", p.Name, p.Name)
	}
	if err := markDown(dir, nodes, !up); err != nil {
		return nil, err
	}
	if err := syscall.Kill(st.DaemonPID, syscall.SIGHUP); err != nil {
		return nil, fmt.Errorf("signal the cluster daemon (pid %d): %w", st.DaemonPID, err)
	}
	return waitNodes(ctx, dir, nodes, up)
}

// nodeNames checks names against the plan; none means every node.
func (p *Plan) nodeNames(names []string) ([]string, error) {
	all := make([]string, 0, len(p.Nodes))
	for _, n := range p.Nodes {
		all = append(all, n.Name)
	}
	if len(names) == 0 {
		return all, nil
	}
	for _, n := range names {
		if !slices.Contains(all, n) {
			return nil, fmt.Errorf("--node %q: cluster %q has no such node (its nodes: %s)", n, p.Name, strings.Join(all, ", "))
		}
	}
	return names, nil
}

// markDown adds the nodes to down.json (down) or removes them from it.
func markDown(dir string, nodes []string, down bool) error {
	set, err := loadDown(dir)
	if err != nil {
		return err
	}
	for _, n := range nodes {
		if down {
			set[n] = true
		} else {
			delete(set, n)
		}
	}
	list := slices.Sorted(maps.Keys(set))
	return writeJSON(filepath.Join(dir, downFile), list)
}

// waitNodes polls the daemon's state until each node runs (up) or not.
func waitNodes(ctx context.Context, dir string, nodes []string, up bool) (*State, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		st, err := LoadState(dir)
		if err == nil && !slices.ContainsFunc(nodes, func(n string) bool { return st.Running(n) != up }) {
			return st, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("nodes %s: QEMU not %s after 30s (see %s): %w", strings.Join(nodes, ", "), map[bool]string{true: "running", false: "stopped"}[up], filepath.Join(dir, daemonLog), ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Destroy stops the cluster in dir and removes what it created: the daemon and the VMs (by
// PID, checked against their command lines), the namespace (only if its ownership record
// matches the mounted namespace) and the files its plan names. Anything else is left.
func Destroy(dir string, progress io.Writer) error {
	p, err := LoadPlan(dir)
	if err != nil {
		return fmt.Errorf("no cluster in %s: %w", dir, err)
	}
	if filepath.Clean(p.Dir) != filepath.Clean(dir) {
		return fmt.Errorf("the plan in %s names another directory (%s): not destroying it", dir, p.Dir)
	}
	if st, err := LoadState(dir); err == nil {
		stopDaemon(dir, st, progress)
		for name := range st.QEMU {
			killQEMU(st, name, progress)
		}
	}
	msg, err := deleteOwnNetns(dir, p.Netns)
	if err != nil {
		return err
	}
	_, _ = fmt.Fprintln(progress, msg)
	return removeFiles(p, progress)
}

// stopDaemon ends the cluster daemon of dir, if it runs.
func stopDaemon(dir string, st *State, progress io.Writer) {
	if !DaemonRunning(dir, st) {
		return
	}
	_, _ = fmt.Fprintf(progress, "stopping cluster daemon (pid %d)\n", st.DaemonPID)
	_ = syscall.Kill(st.DaemonPID, syscall.SIGTERM)
	waitGone(st.DaemonPID, 20*time.Second)
	_ = syscall.Kill(st.DaemonPID, syscall.SIGKILL)
}

// DaemonRunning reports whether the daemon of the cluster in dir runs.
func DaemonRunning(dir string, st *State) bool {
	return ownProcess(st.DaemonPID, "serve", "--dir "+dir+" ")
}

// killQEMU kills the node's QEMU if it still runs.
func killQEMU(st *State, node string, progress io.Writer) {
	if !st.Running(node) {
		return
	}
	pid := st.QEMU[node]
	_, _ = fmt.Fprintf(progress, "killing QEMU of %s (pid %d)\n", node, pid)
	_ = syscall.Kill(pid, syscall.SIGKILL)
	waitGone(pid, 5*time.Second)
}

// removeFiles removes the files the plan names, then the directory if nothing else is in it.
func removeFiles(p *Plan, progress io.Writer) error {
	var errs []error
	for _, f := range p.Files() {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := os.Remove(p.Dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		left, _ := os.ReadDir(p.Dir)
		names := make([]string, 0, len(left))
		for _, e := range left {
			names = append(names, e.Name())
		}
		_, _ = fmt.Fprintf(progress, "%s left in place: it holds files cluster %q did not create: %s\n", p.Dir, p.Name, strings.Join(names, ", "))
	}
	return errors.Join(errs...)
}

// ownProcess reports whether pid is alive and its command line holds both marks (so a
// recycled PID is never signalled).
func ownProcess(pid int, mark1, mark2 string) bool {
	if pid <= 0 || !processAlive(pid) {
		return false
	}
	p, err := procfs.NewProc(pid)
	if err != nil {
		return false
	}
	args, err := p.CmdLine()
	// Between execve's switch to the new program and its setting up the arguments, the
	// command line reads empty: a process just started is looked at again.
	for i := 0; err == nil && len(args) == 0 && i < 10; i++ {
		time.Sleep(10 * time.Millisecond)
		args, err = p.CmdLine()
	}
	if err != nil {
		return false
	}
	// Each argument followed by a space, as the marks expect ("--dir DIR ").
	cl := strings.Join(args, " ") + " "
	return strings.Contains(cl, mark1) && strings.Contains(cl, mark2)
}

func waitGone(pid int, d time.Duration) {
	deadline := time.Now().Add(d)
	for processAlive(pid) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
}

// Running reports whether the node's QEMU process is alive (its command line names the
// node's disk in this cluster's directory).
func (s *State) Running(node string) bool {
	pid, ok := s.QEMU[node]
	return ok && s.Dir != "" && ownProcess(pid, "qemu", "file="+filepath.Join(s.Dir, node+".disk.raw")+",")
}

// ErrExists is returned when a cluster directory is already there.
var ErrExists = errors.New("cluster already exists")

// dialQMP connects to a node's QMP socket through a descriptor of the cluster's directory
// (/proc/self/fd/N/NODE.qmp), so that a directory whose socket paths pass the 107 bytes a
// socket address holds still works.
func dialQMP(dir, node string) (net.Conn, error) {
	d, err := os.OpenFile(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer func() { _ = d.Close() }()
	return net.DialTimeout("unix", fmt.Sprintf("/proc/self/fd/%d/%s", d.Fd(), qmpSocket(node)), 5*time.Second)
}
