package qemu

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4/server4"
)

// daemon runs one cluster: it owns the namespace, the servers, the forwards and the QEMU
// processes, and tears all of it down when ctx ends.
type daemon struct {
	log   *slog.Logger
	plan  *Plan
	ns    *nsThread
	state State
	mu    sync.Mutex
	procs map[string]*exec.Cmd
}

// Serve runs the cluster described by DIR/plan.json until ctx ends, then removes the VMs and
// the namespace. It reports progress in DIR/state.json.
func Serve(ctx context.Context, log *slog.Logger, dir string) error {
	plan, err := LoadPlan(dir)
	if err != nil {
		return err
	}
	d := &daemon{log: log, plan: plan, procs: map[string]*exec.Cmd{},
		state: State{DaemonPID: os.Getpid(), QEMU: map[string]int{}, Forwards: map[string]int{}, Started: map[string]time.Time{}, Accel: plan.Accel}}
	err = d.start(ctx)
	if err != nil {
		d.state.Error = err.Error()
		log.Error("cluster start failed", "error", err)
	} else {
		d.state.Ready = true
		log.Info("cluster running", "nodes", len(plan.Nodes), "netns", plan.Netns)
	}
	if werr := writeJSON(filepath.Join(dir, stateFile), &d.state); werr != nil && err == nil {
		err = werr
	}
	if err == nil {
		<-ctx.Done()
	}
	d.stop()
	return err
}

func (d *daemon) start(ctx context.Context) error {
	ns, err := newNamedNetns(d.plan.Netns)
	if err != nil {
		return err
	}
	d.ns = ns
	if err := ns.do(func() error { return setupBridge(d.plan.Nodes) }); err != nil {
		return err
	}
	if err := d.startServers(ctx); err != nil {
		return err
	}
	for _, n := range d.plan.Nodes {
		if err := d.startForward(ctx, n); err != nil {
			return err
		}
		if err := d.startQEMU(n); err != nil {
			return err
		}
	}
	return nil
}

// startServers starts the DHCP and config servers on sockets made inside the namespace.
func (d *daemon) startServers(ctx context.Context) error {
	var dhcp *server4.Server
	var httpL net.Listener
	err := d.ns.do(func() error {
		var err error
		dhcp, err = server4.NewServer(bridgeName, &net.UDPAddr{IP: net.IPv4zero, Port: 67}, dhcpHandler(d.log, d.plan.Nodes))
		if err != nil {
			return fmt.Errorf("dhcp server: %w", err)
		}
		httpL, err = net.Listen("tcp", net.JoinHostPort(Gateway.String(), strconv.Itoa(configPort)))
		if err != nil {
			return fmt.Errorf("config server: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: configHandler(d.log, d.plan.Nodes), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = dhcp.Serve() }()
	go func() { _ = srv.Serve(httpL) }()
	go func() { <-ctx.Done(); _ = dhcp.Close(); _ = srv.Close() }()
	return nil
}

// startForward listens on a free loopback port of the host for the node's API.
func (d *daemon) startForward(ctx context.Context, n Node) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("forward for %s: %w", n.Name, err)
	}
	d.state.Forwards[n.Name] = l.Addr().(*net.TCPAddr).Port
	go forward(ctx, d.log, l, d.ns, net.JoinHostPort(n.IP.String(), "50000"))
	return nil
}

// startQEMU starts the node's VM from the namespace thread, so QEMU and its tap live there.
func (d *daemon) startQEMU(n Node) error {
	if err := sparseFile(n.Disk, int64(d.plan.DiskGiB)<<30); err != nil {
		return err
	}
	out, err := os.OpenFile(filepath.Join(d.plan.Dir, n.Name+".qemu.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(qemuBinary, d.plan.Args(n)...) //nolint:gosec // the program and arguments come from the pinned manifest or our own plan, not from a caller.
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := d.ns.do(cmd.Start); err != nil {
		_ = out.Close()
		return fmt.Errorf("start QEMU for %s: %w", n.Name, err)
	}
	d.mu.Lock()
	d.procs[n.Name] = cmd
	d.mu.Unlock()
	d.state.QEMU[n.Name] = cmd.Process.Pid
	d.state.Started[n.Name] = time.Now()
	d.log.Info("QEMU started", "node", n.Name, "pid", cmd.Process.Pid, "accel", d.plan.Accel)
	go func() {
		err := cmd.Wait()
		_ = out.Close()
		d.log.Info("QEMU exited", "node", n.Name, "status", fmt.Sprint(err))
	}()
	return nil
}

// stop ends the VMs, the namespace thread and the namespace.
func (d *daemon) stop() {
	d.mu.Lock()
	for name, cmd := range d.procs {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		d.log.Info("stopping QEMU", "node", name)
	}
	d.mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for _, cmd := range d.procs {
		for cmd.ProcessState == nil && processAlive(cmd.Process.Pid) && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		_ = cmd.Process.Kill()
	}
	if d.ns != nil {
		d.ns.close()
	}
	if err := deleteNetns(d.plan.Netns); err != nil {
		d.log.Error("namespace not removed", "error", err)
	}
}

// processAlive reports whether pid exists and is not a zombie.
func processAlive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	_, state, _ := parseProcStat(data)
	return state != 'Z' && state != 'X'
}

// parseProcStat returns the command name and state of a /proc/PID/stat line.
func parseProcStat(data []byte) (string, byte, error) {
	s := string(data)
	open, closing := -1, -1
	for i := range s {
		if s[i] == '(' && open < 0 {
			open = i
		}
		if s[i] == ')' {
			closing = i
		}
	}
	if open < 0 || closing < open || closing+2 >= len(s) {
		return "", 0, errors.New("malformed /proc stat")
	}
	return s[open+1 : closing], s[closing+2], nil
}

// sparseFile creates a sparse file of size bytes unless it exists.
func sparseFile(name string, size int64) error {
	f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	return f.Truncate(size)
}
