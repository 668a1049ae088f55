package apid

import (
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// MaxCallsPerCaller bounds the calls (gRPC streams) one caller has in progress at once, over
// all its connections.
const MaxCallsPerCaller = 32

// callerLimit counts the calls in progress per caller.
type callerLimit struct {
	max    int
	mu     sync.Mutex
	active map[string]int
}

func newCallerLimit(maxCalls int) *callerLimit {
	return &callerLimit{max: maxCalls, active: map[string]int{}}
}

// acquire takes a slot for the caller named key, or fails with ResourceExhausted; release
// gives the slot back.
func (l *callerLimit) acquire(key, name string) (release func(), err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.active[key] >= l.max {
		return nil, status.Errorf(codes.ResourceExhausted, "caller %q already has %d calls in progress, the most one caller may have: end one first", name, l.max)
	}
	l.active[key]++
	var once sync.Once
	return func() { once.Do(func() { l.release(key) }) }, nil
}

func (l *callerLimit) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.active[key]--; l.active[key] <= 0 {
		delete(l.active, key)
	}
}

// callerKey identifies the caller of c for the per-caller limit: its certificate's
// fingerprint, or, when it has none (maintenance mode), its source address.
func callerKey(c *call) string {
	if c.caller.Fingerprint != "" {
		return "fp:" + c.caller.Fingerprint
	}
	return "addr:" + hostOf(c.peer.Address)
}
