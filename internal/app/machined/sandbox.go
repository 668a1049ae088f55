package machined

import (
	"fmt"
	"log/slog"
	"os"
	"os/exec"
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
	// cgroups is the cgroup v2 directory services get their cgroups under ("" none); shared
	// says its parent is a development host's cairn/, shared by every machined there.
	cgroups string
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

// cgroupBase creates the cgroup v2 directory of machined's services: cairn/ under the cgroup2
// mount on a node, cairn/INSTANCE/ on a development host. Without a writable cgroup2 mount
// services stay in machined's cgroup.
func cgroupBase(log *slog.Logger, mode, instance string) string {
	mnt, err := sandbox.Cgroup2Mount()
	if err != nil {
		log.Warn("no cgroup v2 hierarchy: services stay in machined's cgroup", "error", err)
		return ""
	}
	dir := filepath.Join(mnt, "cairn")
	if mode == ModeContainer {
		dir = filepath.Join(dir, instance)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		log.Warn("cannot create the services' cgroup: services stay in machined's cgroup", "path", dir, "error", err)
		return ""
	}
	return dir
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

// serviceUser is who a service runs as.
type serviceUser struct{ uid, gid uint32 }

// spec returns the sandbox of a service running as u.
func (sb *sandboxing) spec(name string, u serviceUser) *supervisor.Sandbox {
	s := &supervisor.Sandbox{NoNewPrivs: true}
	if !sb.privileged {
		return s
	}
	s.Credential = &syscall.Credential{Uid: u.uid, Gid: u.gid, Groups: []uint32{constants.APIGroupGID}}
	if sb.cgroups != "" {
		s.Cgroup = filepath.Join(sb.cgroups, name)
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
	if sb.cgroups == "" {
		return
	}
	// Only empty cgroups go; on a development host the shared cairn/ too, once the last
	// machined there has stopped.
	_ = unix.Rmdir(sb.cgroups)
	if sb.shared {
		_ = unix.Rmdir(filepath.Dir(sb.cgroups))
	}
}
