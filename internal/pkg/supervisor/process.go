package supervisor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/cairn-os/cairn/internal/pkg/sandbox"
)

// readyPoll is the first interval of a service's ready checks while it is Starting; it
// doubles up to readyPollMax. A service that is ready at once is seen within 100 ms; one that
// takes minutes (a kubelet under emulation) is not dialled ten times a second meanwhile, which
// cost the node's supervisor a tenth of a CPU on a control plane's first start.
const (
	readyPoll    = 100 * time.Millisecond
	readyPollMax = time.Second
)

// gatePoll is the first interval of a StartAfter check, doubling up to gatePollMax; each
// check has gateTimeout.
const (
	gatePoll    = time.Second
	gatePollMax = 5 * time.Second
	gateTimeout = 10 * time.Second
)

// errStopped ends a wait for a run that was stopped before it became ready.
var errStopped = errors.New("it was stopped before it became ready")

// service is one supervised service and its run loop.
type service struct {
	spec Spec
	sup  *Supervisor
	ring *Ring

	// action serialises start, stop and restart: a state change runs to its end before the
	// next one begins, so two runs of one service never overlap.
	action sync.Mutex

	mu  sync.Mutex
	st  Status
	cur *run // the current run loop; nil when stopped
}

// run is one run loop of a service, from start to stop.
type run struct {
	cancel context.CancelFunc
	done   chan struct{} // closed when the loop has ended and its process is gone
	up     chan struct{} // closed when the loop first reaches Running (ready)
}

func newService(spec Spec, sup *Supervisor) *service {
	if spec.StopTimeout <= 0 {
		spec.StopTimeout = 5 * time.Second
	}
	st := Status{Name: spec.Name, State: StateStopped, Since: time.Now(), DependsOn: spec.DependsOn, Limits: spec.Limits}
	if spec.Sandbox != nil {
		st.Cgroup = spec.Sandbox.Cgroup
	}
	if st.Cgroup == (sandbox.CgroupPath{}) {
		st.Unenforced = spec.Limits.Unenforced("the service has no cgroup of its own")
	}
	ring := NewRing(sup.opts.LogBytes)
	if fn := sup.opts.OnLogLine; fn != nil {
		ring.SetTap(func(line []byte) { fn(spec.Name, line) })
	}
	return &service{spec: spec, sup: sup, ring: ring, st: st}
}

// setUnenforced records which limits the service's new cgroup does not enforce, and warns
// when that changed (once, not at every restart).
func (s *service) setUnenforced(unenforced []string) {
	s.mu.Lock()
	changed := !slices.Equal(s.st.Unenforced, unenforced)
	s.st.Unenforced = unenforced
	s.mu.Unlock()
	if changed && len(unenforced) > 0 {
		s.sup.log.Warn("service runs without some of its resource limits", "service", s.spec.Name, "unenforced", unenforced)
	}
}

func (s *service) status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st
}

// set records a state of run r and reports it.
func (s *service) set(r *run, state State, pid int, errMsg, msg string) {
	s.mu.Lock()
	s.st.State, s.st.PID, s.st.Since = state, pid, time.Now()
	if errMsg != "" {
		s.st.LastError = errMsg
	}
	if state == StateRunning {
		select {
		case <-r.up:
		default:
			close(r.up)
		}
	}
	st := s.st
	s.mu.Unlock()
	s.sup.log.Info("service state changed", "service", st.Name, "state", string(st.State), "pid", pid, "message", msg)
	if s.sup.opts.OnChange != nil {
		s.sup.opts.OnChange(Change{Status: st, Message: msg})
	}
}

// launched is the run loop start returns; fresh says start launched it.
type launched struct {
	run   *run
	fresh bool
}

// start launches a run loop unless one is running and returns the current one. The caller
// holds s.action.
func (s *service) start(ctx context.Context) launched {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != nil {
		return launched{run: s.cur}
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r := &run{cancel: cancel, done: make(chan struct{}), up: make(chan struct{})}
	s.cur = r
	go func() {
		defer close(r.done)
		s.loop(ctx, r)
	}()
	return launched{run: r, fresh: true}
}

// stop ends the run loop and waits until its process has exited. The caller holds s.action.
func (s *service) stop() {
	s.mu.Lock()
	r := s.cur
	s.cur = nil
	s.mu.Unlock()
	if r == nil {
		return
	}
	r.cancel()
	<-r.done
}

// current is the current run loop (nil when stopped).
func (s *service) current() *run {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

func (s *service) countRestart() {
	s.mu.Lock()
	s.st.Restarts++
	s.mu.Unlock()
}

// loop runs the process until ctx ends, restarting it with backoff.
func (s *service) loop(ctx context.Context, r *run) {
	backoff := s.sup.opts.MinBackoff
	for {
		started := time.Now()
		err := s.runOnce(ctx, r)
		if ctx.Err() != nil {
			s.set(r, StateStopped, 0, "", "stopped")
			return
		}
		if time.Since(started) > 10*s.sup.opts.MaxBackoff {
			backoff = s.sup.opts.MinBackoff
		}
		s.countRestart()
		s.set(r, StateBackoff, 0, err.Error(), fmt.Sprintf("exited: %v; restarting in %s", err, backoff))
		select {
		case <-ctx.Done():
			s.set(r, StateStopped, 0, "", "stopped")
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, s.sup.opts.MaxBackoff)
	}
}
