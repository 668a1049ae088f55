package supervisor

import (
	"context"
	"fmt"
	"slices"
)

// neededBy returns a running service that depends on name ("" if none).
func (s *Supervisor) neededBy(name string) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, n := range s.order {
		o := s.services[n]
		if slices.Contains(o.spec.DependsOn, name) && o.status().State == StateRunning {
			return n
		}
	}
	return ""
}

// Put adds a service, or replaces the definition of one that exists: a running service is
// stopped, given the new definition and started again (it keeps its log ring and restart
// count), a stopped one stays stopped. Its dependencies must be known services. Put starts a
// new service when start is true; it does not wait for it to be ready.
func (s *Supervisor) Put(ctx context.Context, sp Spec, start bool) error {
	if sp.Name == "" {
		return fmt.Errorf("service %q: empty name", sp.Name)
	}
	if err := sp.Limits.Validate(); err != nil {
		return fmt.Errorf("service %q: limits: %w", sp.Name, err)
	}
	old, fresh, err := s.register(sp)
	if err != nil {
		return err
	}
	if old == nil {
		if start {
			_, _, err = s.launch(ctx, sp.Name, false)
		}
		return err
	}
	old.action.Lock()
	running := old.current() != nil
	old.stop()
	s.mu.Lock()
	fresh.ring, fresh.st.Restarts = old.ring, old.status().Restarts
	s.services[sp.Name] = fresh
	s.mu.Unlock()
	old.action.Unlock()
	if running || start {
		_, _, err = s.launch(ctx, sp.Name, false)
	}
	return err
}

// register checks sp's dependencies and, for a new service, adds it to the order. It returns
// the service sp replaces (nil: none) and the new service, not yet in the set when it
// replaces one.
func (s *Supervisor) register(sp Spec) (old, fresh *service, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range sp.DependsOn {
		if _, ok := s.services[d]; !ok || d == sp.Name {
			return nil, nil, fmt.Errorf("service %q depends on unknown service %q", sp.Name, d)
		}
	}
	fresh = newService(sp, s)
	if old = s.services[sp.Name]; old != nil {
		return old, fresh, nil
	}
	s.services[sp.Name] = fresh
	s.order = append(s.order, sp.Name)
	return nil, fresh, nil
}

// Remove stops a service and forgets it. A service another one depends on is refused.
func (s *Supervisor) Remove(name string) error {
	svc, err := s.get(name)
	if err != nil {
		return err
	}
	s.mu.RLock()
	for _, n := range s.order {
		if slices.Contains(s.services[n].spec.DependsOn, name) {
			s.mu.RUnlock()
			return fmt.Errorf("%w: service %q is needed by service %q", ErrFailedPrecondition, name, n)
		}
	}
	s.mu.RUnlock()
	svc.action.Lock()
	svc.stop()
	svc.action.Unlock()
	s.mu.Lock()
	delete(s.services, name)
	s.order = slices.DeleteFunc(s.order, func(n string) bool { return n == name })
	s.mu.Unlock()
	return nil
}
