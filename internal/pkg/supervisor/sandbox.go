package supervisor

import (
	"fmt"
	"os/exec"
	"runtime"
	"syscall"

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
	// Cgroup is the cgroup v2 the process starts in, with the service's limits. It is
	// created (through containerd/cgroups) at every start and removed once the process has
	// exited; the zero value keeps the supervisor's cgroup.
	Cgroup sandbox.CgroupPath
}

// spawned is a started process: waited receives the result of waiting for it, unenforced
// names the limits its cgroup does not enforce.
type spawned struct {
	waited     <-chan error
	unenforced []string
}

// spawn starts cmd and returns a channel that receives the result of waiting for it. With a
// sandbox the process is started from a thread of its own that carries the sandbox's
// per-thread state (no_new_privs, bounding set) and lives until the process exits, because the
// kernel sends the parent-death signal when the starting thread ends.
func spawn(cmd *exec.Cmd, sb *Sandbox, lim sandbox.Limits) (spawned, error) {
	waited := make(chan error, 1)
	if sb == nil {
		if err := cmd.Start(); err != nil {
			return spawned{}, err
		}
		go func() { waited <- cmd.Wait() }()
		return spawned{waited: waited}, nil
	}
	type start struct {
		cg  *sandbox.Cgroup
		err error
	}
	started := make(chan start, 1)
	go func() {
		// Never unlocked: the runtime ends the thread, and its changed state, with us.
		runtime.LockOSThread()
		cg, err := startSandboxed(cmd, sb, lim)
		started <- start{cg, err}
		if err != nil {
			return
		}
		err = cmd.Wait()
		if cg != nil {
			_ = cg.Delete() // best effort: a cgroup left behind is reused by the next start
		}
		waited <- err
	}()
	st := <-started
	if st.err != nil {
		return spawned{}, st.err
	}
	sp := spawned{waited: waited}
	if st.cg != nil {
		sp.unenforced = st.cg.Unenforced
	}
	return sp, nil
}

// startSandboxed prepares the locked calling thread, cmd's attributes and the cgroup (nil:
// none) and starts cmd.
func startSandboxed(cmd *exec.Cmd, sb *Sandbox, lim sandbox.Limits) (*sandbox.Cgroup, error) {
	if err := sandbox.PrepareThread(sb.NoNewPrivs, sb.Caps); err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	attr := cmd.SysProcAttr
	if sb.Credential != nil {
		attr.Credential = sb.Credential
		attr.AmbientCaps = sb.Caps
	}
	if sb.Cgroup == (sandbox.CgroupPath{}) {
		return nil, cmd.Start()
	}
	cg, err := sandbox.NewCgroup(sb.Cgroup, lim)
	if err != nil {
		return nil, err
	}
	dir, err := cg.Open()
	if err != nil {
		return nil, err
	}
	defer func() { _ = dir.Close() }()
	attr.UseCgroupFD, attr.CgroupFD = true, int(dir.Fd())
	if err := cmd.Start(); err != nil {
		_ = cg.Delete()
		return nil, err
	}
	return cg, nil
}
