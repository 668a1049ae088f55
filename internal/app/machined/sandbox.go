package machined

import (
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/cairn-os/cairn/internal/pkg/sandbox"
	"github.com/cairn-os/cairn/internal/pkg/supervisor"
	"github.com/cairn-os/cairn/pkg/machinery/constants"
)

// sandboxing is how machined restricts its services: decided once, at start.
type sandboxing struct {
	// privileged: machined may switch its services to their own uids.
	privileged bool
	// cgroups is the cgroup v2 services get their cgroups under (nil: none); shared says its
	// parent is a development host's cairn/, shared by every machined there.
	cgroups *sandbox.Cgroup
	shared  bool
	// exe is machined's binary opened O_PATH when a service uid cannot reach it by its
	// path (a development build in a private directory); nil otherwise.
	exe *os.File
}

// newSandboxing decides how services are restricted. An unprivileged machined (container
// mode for development) cannot switch uids: it says so once and runs them with its own.
func newSandboxing(log *slog.Logger, o Options, instance string) (*sandboxing, error) {
	sb := &sandboxing{privileged: os.Geteuid() == 0}
	if !sb.privileged {
		log.Warn("not running as root: services run with machined's uid, only with no_new_privs and without capabilities")
		return sb, nil
	}
	sb.cgroups, sb.shared = cgroupBase(log, o.Mode, instance), o.Mode == ModeContainer
	if !worldReachable(o.Executable) {
		f, err := os.OpenFile(o.Executable, unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, fmt.Errorf("open own binary %s for the services: %w", o.Executable, err)
		}
		sb.exe = f
	}
	return sb, nil
}

// cgroupBase creates the cgroup v2 of machined's services: /cairn in the cgroup2 mount on a
// node, /cairn/INSTANCE on a development host. Without a writable cgroup2 mount services stay
// in machined's cgroup.
func cgroupBase(log *slog.Logger, mode, instance string) *sandbox.Cgroup {
	mnt, err := sandbox.Cgroup2Mount()
	if err != nil {
		log.Warn("no cgroup v2 hierarchy: services stay in machined's cgroup", "error", err)
		return nil
	}
	p := sandbox.CgroupPath{Mount: mnt, Group: "/cairn"}
	if mode == ModeContainer {
		p.Group = path.Join(p.Group, instance)
	}
	cg, err := sandbox.NewCgroup(p, sandbox.Limits{})
	if err != nil {
		log.Warn("cannot create the services' cgroup: services stay in machined's cgroup", "path", p.Dir(), "error", err)
		return nil
	}
	return cg
}

// worldReachable reports whether any user can reach and execute path.
func worldReachable(path string) bool {
	for p := path; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		if p == filepath.Dir(p) {
			return true
		}
	}
}

// The resource limits of the services' cgroups. apid holds a TLS connection and a few
// goroutines per client and buffers proxied replies; trustd only signs certificates for joins.
// Both are Go programs with a few dozen threads at most.
var (
	apidLimits   = sandbox.Limits{MemoryMax: 256 << 20, PidsMax: 256, CPUWeight: 100}
	trustdLimits = sandbox.Limits{MemoryMax: 128 << 20, PidsMax: 128, CPUWeight: 50}
)

// serviceUser is who a service runs as.
type serviceUser struct{ uid, gid uint32 }

// spec returns the sandbox of a service running as u.
func (sb *sandboxing) spec(name string, u serviceUser) *supervisor.Sandbox {
	s := &supervisor.Sandbox{NoNewPrivs: true}
	if !sb.privileged {
		return s
	}
	s.Credential = &syscall.Credential{Uid: u.uid, Gid: u.gid, Groups: []uint32{constants.APIGroupGID}}
	if sb.cgroups != nil {
		s.Cgroup = sandbox.CgroupPath{Mount: sb.cgroups.Mount, Group: path.Join(sb.cgroups.Group, name)}
	}
	return s
}

// command returns the command of a service started from machined's binary. A service that
// runs as its own uid reaches machined's socket (and, when its path is private, the binary)
// through descriptors it inherits: /proc/self/fd/N resolves without searching the
// directories above them.
func (n *daemon) command(role string, args ...string) func() *exec.Cmd {
	return func() *exec.Cmd {
		c := exec.Command(n.opts.Executable) //nolint:gosec // our own binary, from os.Executable or the caller
		c.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		socket := n.opts.Socket
		if n.sandbox.privileged {
			if n.sandbox.exe != nil {
				c.Path = inherited(c, n.sandbox.exe)
			}
			if n.socketFile != nil {
				socket = inherited(c, n.socketFile)
			}
		}
		c.Args = append([]string{"cairn", role, "--socket", socket}, args...)
		return c
	}
}

// inherited passes f to c's process and returns its path there.
func inherited(c *exec.Cmd, f *os.File) string {
	c.ExtraFiles = append(c.ExtraFiles, f)
	return "/proc/self/fd/" + strconv.Itoa(2+len(c.ExtraFiles))
}

// close releases what sandboxing holds.
func (sb *sandboxing) close() {
	if sb.exe != nil {
		_ = sb.exe.Close()
	}
	if sb.cgroups == nil {
		return
	}
	// Only a cgroup without processes goes; on a development host the shared cairn/ too, once
	// it is empty: the last machined there has stopped.
	_ = sb.cgroups.Delete()
	if sb.shared {
		_ = unix.Rmdir(filepath.Dir(sb.cgroups.Dir()))
	}
}
