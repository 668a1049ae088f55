package supervisor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// Errors the supervisor classifies its refusals with.
var (
	ErrNotFound           = errors.New("service not found")
	ErrFailedPrecondition = errors.New("failed precondition")
)

// Options tune a Supervisor.
type Options struct {
	// LogBytes is the size of each service's log ring (default 1 MiB).
	LogBytes int
	// OnChange is called (synchronously, keep it short) for every state change.
	OnChange func(Change)
	// OnLogLine is called (synchronously, under the ring's lock: it must not block) with
	// every line a service writes, for log forwarding.
	OnLogLine func(service string, line []byte)
	// MinBackoff and MaxBackoff bound the restart delay (defaults 200ms and 10s).
	MinBackoff, MaxBackoff time.Duration
}

// Supervisor runs services.
type Supervisor struct {
	log  *slog.Logger
	opts Options

	// mu guards the set of services; each service guards its own state.
	mu       sync.RWMutex
	services map[string]*service
	order    []string
}

// New returns a supervisor for specs. Dependencies must name known services and be acyclic.
func New(log *slog.Logger, opts Options, specs ...Spec) (*Supervisor, error) {
	if opts.LogBytes <= 0 {
		opts.LogBytes = 1 << 20
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 200 * time.Millisecond
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 10 * time.Second
	}
	s := &Supervisor{log: log, opts: opts, services: map[string]*service{}}
	for _, sp := range specs {
		if _, dup := s.services[sp.Name]; dup || sp.Name == "" {
			return nil, fmt.Errorf("service %q: empty or duplicate name", sp.Name)
		}
		if err := sp.Limits.Validate(); err != nil {
			return nil, fmt.Errorf("service %q: limits: %w", sp.Name, err)
		}
		s.services[sp.Name] = newService(sp, s)
	}
	order, err := s.sort(specs)
	if err != nil {
		return nil, err
	}
	s.order = order
	return s, nil
}

// sort orders services so that dependencies come first.
func (s *Supervisor) sort(specs []Spec) ([]string, error) {
	var order []string
	state := map[string]int{}
	var visit func(name string, path []string) error
	visit = func(name string, path []string) error {
		svc, ok := s.services[name]
		if !ok {
			return fmt.Errorf("service %q depends on unknown service %q", path[len(path)-1], name)
		}
		switch state[name] {
		case 1:
			return fmt.Errorf("service dependency cycle: %v", append(path, name))
		case 2:
			return nil
		}
		state[name] = 1
		for _, d := range svc.spec.DependsOn {
			if err := visit(d, append(path, name)); err != nil {
				return err
			}
		}
		state[name] = 2
		order = append(order, name)
		return nil
	}
	for _, sp := range specs {
		if err := visit(sp.Name, nil); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// StartAll starts every service in dependency order; each waits until the services it
// depends on are Running.
func (s *Supervisor) StartAll(ctx context.Context) error {
	s.mu.RLock()
	order := slices.Clone(s.order)
	s.mu.RUnlock()
	for _, n := range order {
		if _, _, err := s.launch(ctx, n, false); err != nil {
			return err
		}
	}
	return nil
}

// StopAll stops every service in reverse dependency order, protected ones included.
func (s *Supervisor) StopAll() {
	s.mu.RLock()
	order, services := slices.Clone(s.order), s.services
	s.mu.RUnlock()
	for _, n := range slices.Backward(order) {
		svc := services[n]
		svc.action.Lock()
		svc.stop()
		svc.action.Unlock()
	}
}

// Start starts a service after its dependencies and waits until it is Running (ready). It
// reports whether it started it (false: the service was already started).
func (s *Supervisor) Start(ctx context.Context, name string) (bool, error) {
	svc, r, err := s.launch(ctx, name, false)
	if err != nil {
		return false, err
	}
	return r.fresh, svc.ready(ctx, r.run)
}

// launch waits for the dependencies of a service, then starts it (restart: stops it first).
func (s *Supervisor) launch(ctx context.Context, name string, restart bool) (*service, launched, error) {
	svc, err := s.get(name)
	if err != nil {
		return nil, launched{}, err
	}
	for _, d := range svc.spec.DependsOn {
		dep, err := s.get(d)
		if err != nil {
			return nil, launched{}, fmt.Errorf("%w: service %q depends on %q: %w", ErrFailedPrecondition, name, d, err)
		}
		if err := dep.waitRunning(ctx, dep.current()); err != nil {
			return nil, launched{}, fmt.Errorf("%w: service %q depends on %q: %w", ErrFailedPrecondition, name, d, err)
		}
	}
	svc.action.Lock()
	defer svc.action.Unlock()
	if restart && svc.current() != nil {
		svc.stop()
		svc.countRestart()
	}
	return svc, svc.start(ctx), nil
}

// Stop stops a service. Protected services and services others depend on are refused.
func (s *Supervisor) Stop(name string) error {
	svc, err := s.get(name)
	if err != nil {
		return err
	}
	if svc.spec.Protected {
		return fmt.Errorf("%w: service %q is protected: stopping it would cut off the API", ErrFailedPrecondition, name)
	}
	if n := s.neededBy(name); n != "" {
		return fmt.Errorf("%w: service %q is needed by running service %q", ErrFailedPrecondition, name, n)
	}
	svc.action.Lock()
	defer svc.action.Unlock()
	svc.stop()
	return nil
}

// Restart stops (even a protected service) and starts a service again, and waits until it
// is Running (ready).
func (s *Supervisor) Restart(ctx context.Context, name string) error {
	svc, r, err := s.launch(ctx, name, true)
	if err != nil {
		return err
	}
	return svc.ready(ctx, r.run)
}

// List returns the status of every service in dependency order.
func (s *Supervisor) List() []Status {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Status, 0, len(s.order))
	for _, n := range s.order {
		out = append(out, s.services[n].status())
	}
	return out
}

// Logs returns the log ring of a service.
func (s *Supervisor) Logs(name string) (*Ring, error) {
	svc, err := s.get(name)
	if err != nil {
		return nil, err
	}
	return svc.ring, nil
}

func (s *Supervisor) get(name string) (*service, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	svc, ok := s.services[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q (known: %v)", ErrNotFound, name, s.order)
	}
	return svc, nil
}
