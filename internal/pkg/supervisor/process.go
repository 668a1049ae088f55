package supervisor

import (
	"context"
	"fmt"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// service is one supervised service and its run loop.
type service struct {
	spec Spec
	sup  *Supervisor
	ring *Ring

	mu     sync.Mutex
	st     Status
	cancel context.CancelFunc
	done   chan struct{}
	// up is closed when the current run loop first reaches Running.
	up chan struct{}
}

func newService(spec Spec, sup *Supervisor) *service {
	if spec.StopTimeout <= 0 {
		spec.StopTimeout = 5 * time.Second
	}
	return &service{
		spec: spec, sup: sup, ring: NewRing(sup.opts.LogBytes),
		st: Status{Name: spec.Name, State: StateStopped, Since: time.Now(), DependsOn: spec.DependsOn},
	}
}

func (s *service) status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st
}

func (s *service) set(state State, pid int, errMsg, msg string) {
	s.mu.Lock()
	s.st.State, s.st.PID, s.st.Since = state, pid, time.Now()
	if errMsg != "" {
		s.st.LastError = errMsg
	}
	if state == StateRunning && s.up != nil {
		select {
		case <-s.up:
		default:
			close(s.up)
		}
	}
	st := s.st
	s.mu.Unlock()
	s.sup.log.Info("service state changed", "service", st.Name, "state", string(st.State), "pid", pid, "message", msg)
	if s.sup.opts.OnChange != nil {
		s.sup.opts.OnChange(Change{Status: st, Message: msg})
	}
}

// start launches the run loop unless it is already running.
func (s *service) start(ctx context.Context) {
	s.mu.Lock()
	if s.cancel != nil {
		s.mu.Unlock()
		return
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel, s.done, s.up = cancel, make(chan struct{}), make(chan struct{})
	done := s.done
	s.mu.Unlock()
	go func() {
		defer close(done)
		s.loop(ctx)
	}()
}

// stop ends the run loop and waits for the process to exit.
func (s *service) stop() {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.cancel = nil
	s.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
}

// loop runs the process until ctx ends, restarting it with backoff.
func (s *service) loop(ctx context.Context) {
	backoff := s.sup.opts.MinBackoff
	for {
		started := time.Now()
		err := s.runOnce(ctx)
		if ctx.Err() != nil {
			s.set(StateStopped, 0, "", "stopped")
			return
		}
		if time.Since(started) > 10*s.sup.opts.MaxBackoff {
			backoff = s.sup.opts.MinBackoff
		}
		s.mu.Lock()
		s.st.Restarts++
		s.mu.Unlock()
		s.set(StateBackoff, 0, err.Error(), fmt.Sprintf("exited: %v; restarting in %s", err, backoff))
		select {
		case <-ctx.Done():
			s.set(StateStopped, 0, "", "stopped")
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, s.sup.opts.MaxBackoff)
	}
}

// runOnce starts the process and waits for it; on ctx end it terminates it gracefully.
func (s *service) runOnce(ctx context.Context) error {
	s.set(StateStarting, 0, "", "starting")
	cmd := s.spec.Command()
	cmd.Stdout, cmd.Stderr = s.ring, s.ring
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	waited, err := spawn(cmd, s.spec.Sandbox)
	if err != nil {
		return fmt.Errorf("start %s: %w", s.spec.Name, err)
	}
	s.set(StateRunning, cmd.Process.Pid, "", "running")
	select {
	case err := <-waited:
		if err == nil {
			return fmt.Errorf("%s exited with status 0", s.spec.Name)
		}
		return fmt.Errorf("%s: %w", s.spec.Name, err)
	case <-ctx.Done():
		s.set(StateStopping, cmd.Process.Pid, "", "stopping")
		return terminate(cmd, waited, s.spec.StopTimeout)
	}
}

// terminate sends SIGTERM to the process group, then SIGKILL after timeout.
func terminate(cmd *exec.Cmd, waited <-chan error, timeout time.Duration) error {
	pgid := -cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case err := <-waited:
		return err
	case <-time.After(timeout):
		_ = syscall.Kill(pgid, syscall.SIGKILL)
		return <-waited
	}
}

// waitRunning waits until the service's current run loop has reached Running; it fails at once
// when the service is not started.
func (s *service) waitRunning(ctx context.Context) error {
	s.mu.Lock()
	st, up, started := s.st.State, s.up, s.cancel != nil
	s.mu.Unlock()
	if !started {
		return fmt.Errorf("it is %s", st)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	select {
	case <-up:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("it has not started: %w", ctx.Err())
	}
}
