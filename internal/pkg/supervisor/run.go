package supervisor

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"time"

	"github.com/cairn-os/cairn/internal/pkg/sandbox"
)

// proc is one started process of a service.
type proc struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed once the process has been waited for
	err    error         // its exit, valid once exited is closed
}

// launch starts the service's command in its own process group.
func (s *service) launch() (*proc, error) {
	cmd := s.spec.Command()
	if s.spec.Files != nil {
		files, err := s.spec.Files()
		if err != nil {
			return nil, fmt.Errorf("start %s: %w", s.spec.Name, err)
		}
		defer func() {
			for _, f := range files {
				_ = f.Close()
			}
		}()
		cmd.ExtraFiles = append(cmd.ExtraFiles, files...)
	}
	cmd.Stdout, cmd.Stderr = s.ring, s.ring
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	sp, err := spawn(cmd, s.spec.Sandbox, s.spec.Limits)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", s.spec.Name, err)
	}
	if s.spec.Sandbox != nil && s.spec.Sandbox.Cgroup != (sandbox.CgroupPath{}) {
		s.setUnenforced(sp.unenforced)
	}
	p := &proc{cmd: cmd, exited: make(chan struct{})}
	go func() { p.err = <-sp.waited; close(p.exited) }()
	return p, nil
}

// exitError describes the exit of a process that should have kept running. A process the
// kernel killed with SIGSYS made a system call its seccomp allowlist does not hold: it says
// so plainly.
func (p *proc) exitError(name string) error {
	var ee *exec.ExitError
	switch {
	case p.err == nil:
		return fmt.Errorf("%s exited with status 0", name)
	case errors.As(p.err, &ee) && signaled(ee, syscall.SIGSYS):
		return fmt.Errorf("%s killed by SIGSYS: a system call outside its seccomp allowlist (%w)", name, p.err)
	}
	return fmt.Errorf("%s: %w", name, p.err)
}

// signaled reports whether an exited process was killed by sig.
func signaled(ee *exec.ExitError, sig syscall.Signal) bool {
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == sig
}

// runOnce starts the process, reports it Running once ready, and waits for it; on ctx end
// it terminates it gracefully.
func (s *service) runOnce(ctx context.Context, r *run) error {
	if !s.awaitStartAfter(ctx, r) {
		return ctx.Err()
	}
	s.set(r, StateStarting, 0, "", "starting")
	p, err := s.launch()
	if err != nil {
		return err
	}
	pid := p.cmd.Process.Pid
	ready, late := s.awaitReady(ctx, r, p)
	if late {
		_ = p.terminate(s.spec.StopTimeout)
		return fmt.Errorf("%s not ready within %s", s.spec.Name, s.spec.ReadyWithin)
	}
	if ready {
		s.set(r, StateRunning, pid, "", "running")
	}
	select {
	case <-p.exited:
		return p.exitError(s.spec.Name)
	case <-ctx.Done():
		s.set(r, StateStopping, pid, "", "stopping")
		return p.terminate(s.spec.StopTimeout)
	}
}

// awaitStartAfter polls the service's StartAfter check until it passes (true) or ctx ends
// (false). Meanwhile the service is Waiting, with the first failure as its message.
func (s *service) awaitStartAfter(ctx context.Context, r *run) bool {
	if s.spec.StartAfter == nil {
		return true
	}
	poll, said := gatePoll, false
	for {
		cctx, cancel := context.WithTimeout(ctx, gateTimeout)
		err := s.spec.StartAfter(cctx)
		cancel()
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		if !said {
			s.set(r, StateWaiting, 0, "", fmt.Sprintf("waiting for %s: %v", s.spec.StartAfterWhat, err))
			said = true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(poll):
		}
		poll = min(poll*2, gatePollMax)
	}
}

// awaitReady polls the ready check until it passes (true), or the process exits or ctx ends
// (false). Meanwhile the service is Starting with the process's pid.
// It reports late when the process was not ready within the service's ReadyWithin.
func (s *service) awaitReady(ctx context.Context, r *run, p *proc) (ready, late bool) {
	if s.spec.Ready == nil {
		return true, false
	}
	started := time.Now()
	s.set(r, StateStarting, p.cmd.Process.Pid, "", "started; waiting until it is ready")
	poll := readyPoll
	for {
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		err := s.spec.Ready(cctx)
		cancel()
		if err == nil {
			return true, false
		}
		if s.spec.ReadyWithin > 0 && time.Since(started) > s.spec.ReadyWithin {
			return false, true
		}
		select {
		case <-p.exited:
			return false, false
		case <-ctx.Done():
			return false, false
		case <-time.After(poll):
		}
		poll = min(poll*2, readyPollMax)
	}
}

// terminate sends SIGTERM to the process group, then SIGKILL after timeout.
func (p *proc) terminate(timeout time.Duration) error {
	pgid := -p.cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-p.exited:
		return p.err
	case <-time.After(timeout):
		_ = syscall.Kill(pgid, syscall.SIGKILL)
		<-p.exited
		return p.err
	}
}

// waitRunning waits until run r has reached Running; it fails when r ends first, or at once
// when r is nil (the service is not started).
func (s *service) waitRunning(ctx context.Context, r *run) error {
	if r == nil {
		return fmt.Errorf("it is %s", s.status().State)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	select {
	case <-r.up:
		return nil
	case <-r.done:
		return errStopped
	case <-ctx.Done():
		return fmt.Errorf("it has not become ready: %w", ctx.Err())
	}
}

// ready waits until run r is Running; a failure is the service's failed precondition.
func (s *service) ready(ctx context.Context, r *run) error {
	if err := s.waitRunning(ctx, r); err != nil {
		return fmt.Errorf("%w: service %q: %w", ErrFailedPrecondition, s.spec.Name, err)
	}
	return nil
}
