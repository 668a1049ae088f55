package supervisor

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/cairn-os/cairn/internal/pkg/sandbox"
)

// Sandbox restricts a service's process from the moment it starts.
type Sandbox struct {
	// Credential is the uid, gid and supplementary groups to run as; nil keeps the
	// supervisor's own (an unprivileged supervisor cannot switch).
	Credential *syscall.Credential
	// Caps are the capabilities the service keeps in its bounding and ambient sets (only
	// with a Credential); empty: none, and the bounding set is emptied where the supervisor
	// may do so.
	Caps []uintptr
	// NoNewPrivs sets no_new_privs: no exec can grant more privileges.
	NoNewPrivs bool
	// Cgroup is the absolute path of the cgroup v2 directory the process starts in. It is
	// created when missing and removed once the process has exited; "" keeps the
	// supervisor's cgroup.
	Cgroup string
}

// spawn starts cmd and returns a channel that receives the result of waiting for it. With a
// sandbox the process is started from a thread of its own that carries the sandbox's
// per-thread state (no_new_privs, bounding set) and lives until the process exits, because the
// kernel sends the parent-death signal when the starting thread ends.
func spawn(cmd *exec.Cmd, sb *Sandbox) (<-chan error, error) {
	waited := make(chan error, 1)
	if sb == nil {
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		go func() { waited <- cmd.Wait() }()
		return waited, nil
	}
	started := make(chan error, 1)
	go func() {
		// Never unlocked: the runtime ends the thread, and its changed state, with us.
		runtime.LockOSThread()
		if err := startSandboxed(cmd, sb); err != nil {
			started <- err
			return
		}
		started <- nil
		err := cmd.Wait()
		removeCgroup(sb.Cgroup)
		waited <- err
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return waited, nil
}

// startSandboxed prepares the locked calling thread and cmd's attributes and starts cmd.
func startSandboxed(cmd *exec.Cmd, sb *Sandbox) error {
	if err := sandbox.PrepareThread(sb.NoNewPrivs, sb.Caps); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	attr := cmd.SysProcAttr
	if sb.Credential != nil {
		attr.Credential = sb.Credential
		attr.AmbientCaps = sb.Caps
	}
	if sb.Cgroup == "" {
		return cmd.Start()
	}
	cg, err := openCgroup(sb.Cgroup)
	if err != nil {
		return err
	}
	defer func() { _ = cg.Close() }()
	attr.UseCgroupFD, attr.CgroupFD = true, int(cg.Fd())
	return cmd.Start()
}

// openCgroup creates (when missing) and opens a cgroup v2 directory.
func openCgroup(dir string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create cgroup %s: %w", dir, err)
	}
	f, err := os.OpenFile(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open cgroup %s: %w", dir, err)
	}
	return f, nil
}

// removeCgroup removes a service's cgroup once its process has exited. A cgroup that still
// holds processes stays.
func removeCgroup(dir string) {
	if dir == "" {
		return
	}
	_ = unix.Rmdir(dir) // best effort: a cgroup left behind is reused by the next start
}
