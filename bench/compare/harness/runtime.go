package harness

import (
	"context"
	"fmt"
	"net"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-os/cairn/bench/compare/probe"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/client"
	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
)

// runtimeFigures are read from a booted system after it idled.
type runtimeFigures struct {
	UsedBytes int64 // MemTotal - MemAvailable
	RSSBytes  int64 // sum over the OS's own user-space processes
	Processes int   // user-space processes
	Sockets   []string
	Procs     []probe.Proc // the processes summed
	IdleFrom  string       // what the idle time was counted from
	Err       string
}

// cairnRuntime boots Cairn, waits for the API, idles, then reads memory, processes and
// sockets through the API.
func (r *runner) cairnRuntime(ctx context.Context, spec vmSpec, cctx *clientconfig.Context) {
	f := &r.res.cairn.runtime
	f.IdleFrom = fmt.Sprintf("%s after the API first answered", r.o.Idle)
	if _, err := waitIdle(ctx, r.o.IdleMax, r.o.IdleWait); err != nil {
		f.Err = err.Error()
		return
	}
	v, err := r.vms.start(spec, r.logPath("runtime-cairn.serial"))
	if err != nil {
		f.Err = err.Error()
		return
	}
	defer r.vms.stop(v)
	if _, err := waitEndpoint(ctx, v, r.o.Timeout, apiProbe(cctx, spec.APIPort)); err != nil {
		f.Err = err.Error()
		return
	}
	r.log.Info("Cairn is up; idling before reading memory", "idle", r.o.Idle)
	if err := sleep(ctx, r.o.Idle); err != nil {
		f.Err = err.Error()
		return
	}
	if err := readCairn(ctx, cctx, spec.APIPort, f); err != nil {
		f.Err = err.Error()
	}
}

func readCairn(ctx context.Context, cctx *clientconfig.Context, port int, f *runtimeFigures) error {
	c, err := client.FromContext(cctx, []string{net.JoinHostPort("127.0.0.1", strconv.Itoa(port))})
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	mem, err := c.Machine.Memory(ctx, &common.Empty{})
	if err := answered("memory", err, len(mem.GetMessages())); err != nil {
		return err
	}
	mi := mem.GetMessages()[0].GetMeminfo()
	f.UsedBytes = int64(mi.GetTotal()) - int64(mi.GetAvailable())
	ps, err := c.Machine.Processes(ctx, &common.Empty{})
	if err := answered("processes", err, len(ps.GetMessages())); err != nil {
		return err
	}
	var procs []probe.Proc
	for _, p := range ps.GetMessages()[0].GetProcesses() {
		procs = append(procs, probe.Proc{PID: int(p.GetPid()), PPID: int(p.GetPpid()), RSSBytes: int64(p.GetResidentBytes()), Command: roleName(p.GetCommand(), p.GetArgs())})
	}
	f.Procs = procs
	f.RSSBytes, f.Processes = probe.UserSpace(procs)
	ns, err := c.Machine.Netstat(ctx, &common.Empty{})
	if err := answered("netstat", err, len(ns.GetMessages())); err != nil {
		return err
	}
	for _, cn := range ns.GetMessages()[0].GetConnections() {
		if listening(cn.GetProtocol(), cn.GetState()) {
			f.Sockets = append(f.Sockets, fmt.Sprintf("%s %s %s", cn.GetProtocol(), cn.GetState(), cn.GetLocal()))
		}
	}
	return nil
}

// roleName names a process of the multi-call binary by the role it runs as ("cairn apid ..."
// or argv[0] "apid"), since its command is the binary's own name for every role.
func roleName(command, args string) string {
	f := strings.Fields(args)
	switch {
	case len(f) > 1 && path.Base(f[0]) == "cairn" && !strings.HasPrefix(f[1], "-"):
		return f[1]
	case len(f) > 0:
		return path.Base(f[0])
	}
	return command
}

// answered turns a failed or empty API answer into an error.
func answered(call string, err error, messages int) error {
	switch {
	case err != nil:
		return fmt.Errorf("%s: %w", call, err)
	case messages == 0:
		return fmt.Errorf("%s: empty answer", call)
	}
	return nil
}

// listening matches what `ss -tulpn` lists: TCP sockets in LISTEN and unconnected UDP ones.
func listening(protocol, state string) bool {
	return strings.HasPrefix(protocol, "tcp") && state == "LISTEN" ||
		strings.HasPrefix(protocol, "udp") && state == "UNCONN"
}

// debianRuntime boots Debian with measure_runtime: its probe idles 90 s after systemd reports
// the boot finished and prints sockets and memory on the serial console; then the processes
// are read over SSH (the SSH session itself left out).
func (r *runner) debianRuntime(ctx context.Context, spec vmSpec, ssh probeFunc) {
	f := &r.res.debian.runtime
	f.IdleFrom = "90s after systemd reported the boot finished (fixed in the image's probe)"
	if _, err := waitIdle(ctx, r.o.IdleMax, r.o.IdleWait); err != nil {
		f.Err = err.Error()
		return
	}
	serial := r.logPath("runtime-debian.serial")
	v, err := r.vms.start(spec, serial)
	if err != nil {
		f.Err = err.Error()
		return
	}
	defer r.vms.stop(v)
	block, err := waitProbe(ctx, v, r.o.Timeout+2*time.Minute)
	if err != nil {
		f.Err = err.Error()
		return
	}
	f.UsedBytes, f.Sockets = block.UsedBytes(), block.Sockets
	if _, err := waitEndpoint(ctx, v, r.o.Timeout, ssh); err != nil {
		f.Err = "ssh: " + err.Error()
		return
	}
	out, err := r.sshPS(ctx, spec.SSHPort)
	if err != nil {
		f.Err = err.Error()
		return
	}
	procs, err := probe.ParsePS(out)
	if err != nil {
		f.Err = err.Error()
		return
	}
	f.Procs = probe.WithoutSSHSessions(procs)
	f.RSSBytes, f.Processes = probe.UserSpace(f.Procs)
}

// waitProbe waits for the probe block on the serial console and parses it.
func waitProbe(ctx context.Context, v *vm, timeout time.Duration) (*probe.Block, error) {
	deadline := v.started.Add(timeout)
	for {
		data, err := os.ReadFile(v.serial)
		if err != nil {
			return nil, err
		}
		if strings.Contains(string(data), probe.End) {
			return probe.Parse(string(data))
		}
		if v.exited() || time.Now().After(deadline) {
			return nil, fmt.Errorf("probe block not seen within %s (serial log %s)", timeout, v.serial)
		}
		if err := sleep(ctx, 2*time.Second); err != nil {
			return nil, err
		}
	}
}

func (r *runner) sshPS(ctx context.Context, port int) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	key := r.abs(r.o.Cache) + "/debian/id_ed25519"
	cmd := groupCommand(ctx, "ssh", "-i", key, "-p", strconv.Itoa(port),
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
		"-o", "LogLevel=ERROR", "root@127.0.0.1", "ps -e -o pid=,ppid=,rss=,comm=")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("ssh ps: %w", err)
	}
	return string(out), nil
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
