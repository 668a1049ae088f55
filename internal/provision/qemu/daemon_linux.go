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
	"os/signal"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4/server4"
	"github.com/prometheus/procfs"
	"golang.org/x/sys/unix"
)

// daemon runs one cluster: it owns the namespace, the servers, the forwards and the QEMU
// processes, and tears all of it down when ctx ends. SIGHUP makes it start or stop nodes to
// match DIR/down.json (cluster start|stop --node).
type daemon struct {
	log   *slog.Logger
	dir   string
	plan  *Plan
	ns    *nsThread
	mu    sync.Mutex
	state State
	procs map[string]*qemuProc
	// prevPorts are the forward ports of the previous run, reused when free so the
	// cairnconfig's endpoints stay right across cluster stop and start.
	prevPorts map[string]int
	prevKube  int
}

// qemuProc is a node's running QEMU; exited closes when it ends.
type qemuProc struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

// Serve runs the cluster described by DIR/plan.json until ctx ends, then removes the VMs and
// the namespace it created. It reports progress in DIR/state.json. It holds the cluster
// name's lock while it runs: a second cluster of the same name fails here and removes
// nothing.
func Serve(ctx context.Context, log *slog.Logger, dir string) error {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	plan, err := LoadPlan(dir)
	if err != nil {
		return err
	}
	d := &daemon{log: log, dir: dir, plan: plan, procs: map[string]*qemuProc{}, prevPorts: map[string]int{},
		state: State{Dir: dir, DaemonPID: os.Getpid(), QEMU: map[string]int{}, Forwards: map[string]int{}, Started: map[string]time.Time{}, Accel: plan.Accel}}
	if prev, err := LoadState(dir); err == nil {
		d.prevPorts, d.prevKube = prev.Forwards, prev.KubeForward
	}
	lk, err := lock(plan.Name, dir)
	if err != nil {
		d.state.Error = err.Error()
		return errors.Join(err, d.writeState())
	}
	defer func() { _ = lk.Close() }()
	err = d.start(ctx)
	d.report(err)
	if err == nil {
		d.serve(ctx, hup)
	}
	d.stop()
	return err
}

// report records the outcome of the start in state.json.
func (d *daemon) report(err error) {
	d.mu.Lock()
	if err != nil {
		d.state.Error = err.Error()
		d.log.Error("cluster start failed", "error", err)
	} else {
		d.state.Ready = true
		d.log.Info("cluster running", "nodes", len(d.plan.Nodes), "netns", d.plan.Netns)
	}
	d.mu.Unlock()
	if werr := d.writeState(); werr != nil {
		d.log.Error("state not written", "error", werr)
	}
}

// serve applies down.json on each SIGHUP until ctx ends.
func (d *daemon) serve(ctx context.Context, hup <-chan os.Signal) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			d.reconcile()
		}
	}
}

// reconcile starts the nodes that should run and do not, and stops the ones marked down.
func (d *daemon) reconcile() {
	down, err := loadDown(d.dir)
	if err != nil {
		d.log.Error("down.json not read", "error", err)
		return
	}
	for _, n := range d.plan.Nodes {
		alive := d.alive(n.Name)
		if alive && !down[n.Name] {
			// A QEMU killed a moment ago (a power cut) may still be exiting, holding its disk's
			// lock: the node starts again once it is gone, not never.
			alive = !d.waitExiting(n.Name, 30*time.Second)
		}
		switch {
		case down[n.Name] && alive:
			d.stopQEMU(n.Name)
		case !down[n.Name] && !alive:
			if err := d.startQEMU(n, false); err != nil {
				d.log.Error("QEMU not started", "node", n.Name, "error", err)
			}
		}
	}
	if err := d.writeState(); err != nil {
		d.log.Error("state not written", "error", err)
	}
}

// alive reports whether the node's QEMU runs.
func (d *daemon) alive(node string) bool {
	d.mu.Lock()
	p, ok := d.procs[node]
	d.mu.Unlock()
	if !ok {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// waitExiting waits up to timeout for a node's QEMU that has begun to exit to be gone, and
// reports whether it is. A QEMU that is not exiting is not waited for.
func (d *daemon) waitExiting(node string, timeout time.Duration) bool {
	d.mu.Lock()
	p, ok := d.procs[node]
	d.mu.Unlock()
	if !ok || !processExiting(p.cmd.Process.Pid) {
		return false
	}
	d.log.Info("QEMU is exiting; starting the node once it is gone", "node", node)
	select {
	case <-p.exited:
		return true
	case <-time.After(timeout):
		return false
	}
}

func (d *daemon) writeState() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return writeJSON(filepath.Join(d.dir, stateFile), &d.state)
}

func (d *daemon) start(ctx context.Context) error {
	if ownsNetns(d.dir, d.plan.Netns) {
		// Left by a daemon of this cluster that was killed; we hold the lock, so it is stale.
		if err := deleteNetns(d.plan.Netns); err != nil {
			return err
		}
	}
	ns, err := newNamedNetns(d.plan.Netns)
	if err != nil {
		return err
	}
	d.ns = ns
	if err := recordNetns(d.dir, d.plan.Netns); err != nil {
		return err
	}
	if err := ns.do(func() error { return setupBridge(d.plan.Nodes) }); err != nil {
		return err
	}
	if err := d.startServers(ctx); err != nil {
		return err
	}
	down, err := loadDown(d.dir)
	if err != nil {
		return err
	}
	if err := d.startKubeForward(ctx); err != nil {
		return err
	}
	for _, n := range d.plan.Nodes {
		if err := d.startForward(ctx, n); err != nil {
			return err
		}
		if down[n.Name] {
			continue
		}
		// Every node but the first control plane (whose apiserver starts first and must
		// finish its start-up checks) yields to it at first under emulation.
		if err := d.startQEMU(n, n.Name != d.plan.Nodes[0].Name && d.plan.Accel == "tcg"); err != nil {
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
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(d.prevPorts[n.Name])))
	if err != nil && d.prevPorts[n.Name] != 0 {
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		return fmt.Errorf("forward for %s: %w", n.Name, err)
	}
	d.mu.Lock()
	d.state.Forwards[n.Name] = l.Addr().(*net.TCPAddr).Port
	d.mu.Unlock()
	go forward(ctx, d.log, l, d.ns, net.JoinHostPort(n.IP.String(), "50000"))
	return nil
}

// startKubeForward listens on a free loopback port of the host (the one of the last run if
// it is free) for the Kubernetes API of the control-plane nodes: each connection goes to the
// one that answered last, or the next that accepts, so the forward outlives any one of them.
func (d *daemon) startKubeForward(ctx context.Context) error {
	var targets []string
	for _, n := range d.plan.Nodes {
		if n.Type == "controlplane" {
			targets = append(targets, net.JoinHostPort(n.IP.String(), "6443"))
		}
	}
	if len(targets) == 0 {
		return nil
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(d.prevKube)))
	if err != nil && d.prevKube != 0 {
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		return fmt.Errorf("forward for the Kubernetes API: %w", err)
	}
	d.mu.Lock()
	d.state.KubeForward = l.Addr().(*net.TCPAddr).Port
	d.mu.Unlock()
	go forward(ctx, d.log, l, d.ns, targets...)
	return nil
}

// startQEMU starts the node's VM from the namespace thread, so QEMU and its tap live there.
// A niced VM runs at workerNice for its first workerNiceFor.
func (d *daemon) startQEMU(n Node, niced bool) error {
	if err := d.plan.prepareDisk(n); err != nil {
		return err
	}
	out, err := os.OpenFile(OutputLog(d.plan.Dir, n.Name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(qemuBinary, d.plan.Args(n)...) //nolint:gosec // the program and arguments come from the pinned manifest or our own plan, not from a caller.
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Dir = d.plan.Dir // its QMP socket's path is relative to it
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	start := cmd.Start
	if niced {
		start = func() error { return startNiced(cmd, workerNice) }
	}
	if err := d.ns.do(start); err != nil {
		_ = out.Close()
		return fmt.Errorf("start QEMU for %s: %w", n.Name, err)
	}
	p := &qemuProc{cmd: cmd, exited: make(chan struct{})}
	d.mu.Lock()
	d.procs[n.Name] = p
	d.state.QEMU[n.Name] = cmd.Process.Pid
	d.state.Started[n.Name] = time.Now()
	d.mu.Unlock()
	d.log.Info("QEMU started", "node", n.Name, "pid", cmd.Process.Pid, "accel", d.plan.Accel, "niced", niced)
	if niced {
		time.AfterFunc(workerNiceFor, func() {
			if err := reniceProcess(cmd.Process.Pid, 0); err != nil {
				d.log.Warn("QEMU's priority not restored", "node", n.Name, "error", err)
			}
		})
	}
	go func() {
		err := cmd.Wait()
		_ = out.Close()
		close(p.exited)
		d.log.Info("QEMU exited", "node", n.Name, "status", fmt.Sprint(err))
	}()
	return nil
}

// workerNice is the nice value of a worker's QEMU (and of every control plane's but the
// first) under emulation for the first workerNiceFor of a cluster's start. Every vCPU is a
// host thread there, and a worker booting
// (its containerd unpacking images) competes with the control plane for the host's cores just
// when the apiserver starts, which must finish its start-up checks within a minute or exit:
// the control plane's VMs get the CPU first. Not for longer: a control plane under emulation
// is never idle, and a worker niced for good got a tenth of the host and took minutes to boot.
const (
	workerNice    = 10
	workerNiceFor = 6 * time.Minute
)

// reniceProcess sets the nice value of every thread of process pid (nice values are per
// thread on Linux).
func reniceProcess(pid, nice int) error {
	tasks, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "task"))
	if err != nil {
		return err
	}
	var errs []error
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if err := unix.Setpriority(unix.PRIO_PROCESS, tid, nice); err != nil && !errors.Is(err, unix.ESRCH) {
			errs = append(errs, fmt.Errorf("thread %d: %w", tid, err))
		}
	}
	return errors.Join(errs...)
}

// startNiced starts cmd at nice value nice (or the calling thread's, if higher). It runs on
// the namespace thread: a thread's nice value is its own, and the child inherits the thread's.
func startNiced(cmd *exec.Cmd, nice int) error {
	kernel, err := unix.Getpriority(unix.PRIO_PROCESS, 0) // 20 - nice, as the system call returns it
	if err != nil {
		return cmd.Start()
	}
	prev := 20 - kernel
	if err := unix.Setpriority(unix.PRIO_PROCESS, 0, max(nice, prev)); err != nil {
		return cmd.Start()
	}
	defer func() { _ = unix.Setpriority(unix.PRIO_PROCESS, 0, prev) }()
	return cmd.Start()
}

// stopQEMU ends a node's QEMU: SIGTERM (QEMU quits at once), SIGKILL after 10 seconds.
func (d *daemon) stopQEMU(node string) {
	d.mu.Lock()
	p := d.procs[node]
	d.mu.Unlock()
	if p == nil {
		return
	}
	d.log.Info("stopping QEMU", "node", node)
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// stop ends the VMs, the namespace thread and the namespace, if this daemon created it.
func (d *daemon) stop() {
	d.mu.Lock()
	nodes := make([]string, 0, len(d.procs))
	for name := range d.procs {
		nodes = append(nodes, name)
	}
	d.mu.Unlock()
	var wg sync.WaitGroup
	for _, name := range nodes {
		wg.Go(func() { d.stopQEMU(name) })
	}
	wg.Wait()
	if d.ns == nil {
		return
	}
	d.ns.close()
	msg, err := deleteOwnNetns(d.dir, d.plan.Netns)
	if err != nil {
		d.log.Error("namespace not removed", "error", err)
		return
	}
	d.log.Info("namespace cleanup", "result", msg)
}

// loadDown reads the set of nodes stopped with cluster stop --node (none without the file).
func loadDown(dir string) (map[string]bool, error) {
	var nodes []string
	err := readJSON(filepath.Join(dir, downFile), &nodes)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]bool{}, nil
	}
	if err != nil {
		return nil, err
	}
	down := make(map[string]bool, len(nodes))
	for _, n := range nodes {
		down[n] = true
	}
	return down, nil
}

// processAlive reports whether pid exists and is not a zombie (/proc/PID/stat, read with
// prometheus/procfs).
func processAlive(pid int) bool {
	p, err := procfs.NewProc(pid)
	if err != nil {
		return false
	}
	st, err := p.Stat()
	return err == nil && st.State != "Z" && st.State != "X"
}

// pfExiting is the kernel's PF_EXITING task flag (include/linux/sched.h): the task is in exit.
const pfExiting = 0x4

// processExiting reports whether the process has begun to exit and is not yet a zombie.
func processExiting(pid int) bool {
	p, err := procfs.NewProc(pid)
	if err != nil {
		return false
	}
	st, err := p.Stat()
	return err == nil && st.State != "Z" && st.State != "X" && st.Flags&pfExiting != 0
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
