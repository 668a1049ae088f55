package machined

import (
	"context"
	"maps"
	"sync"
	"time"
)

// Event kinds.
const (
	KindPhase     = "phase"
	KindService   = "service"
	KindConfig    = "config"
	KindLifecycle = "lifecycle"
)

// event is one entry of the node's event stream.
type event struct {
	ID         uint64
	Time       time.Time
	Kind       string
	Message    string
	Attributes map[string]string
}

// eventBus keeps the most recent events and fans new ones out to followers.
type eventBus struct {
	mu     sync.Mutex
	max    int
	nextID uint64
	past   []event
	subs   map[chan event]struct{}
}

func newEventBus(limit int) *eventBus {
	return &eventBus{max: limit, nextID: 1, subs: map[chan event]struct{}{}}
}

// publish records an event; attrs are key, value pairs.
func (b *eventBus) publish(kind, msg string, attrs ...string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := event{ID: b.nextID, Time: time.Now(), Kind: kind, Message: msg, Attributes: map[string]string{}}
	for i := 0; i+1 < len(attrs); i += 2 {
		e.Attributes[attrs[i]] = attrs[i+1]
	}
	b.nextID++
	b.past = append(b.past, e)
	if len(b.past) > b.max {
		b.past = b.past[len(b.past)-b.max:]
	}
	for ch := range b.subs {
		select {
		case ch <- e:
		default:
			close(ch)
			delete(b.subs, ch)
		}
	}
}

// follow sends the last tail events (all kept when tail < 0), then new ones until ctx ends.
func (b *eventBus) follow(ctx context.Context, tail int, fn func(event) error) error {
	ch := make(chan event, 1024)
	b.mu.Lock()
	start := 0
	if tail >= 0 && tail < len(b.past) {
		start = len(b.past) - tail
	}
	past := make([]event, len(b.past)-start)
	for i, e := range b.past[start:] {
		e.Attributes = maps.Clone(e.Attributes)
		past[i] = e
	}
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		if _, ok := b.subs[ch]; ok {
			delete(b.subs, ch)
			close(ch)
		}
		b.mu.Unlock()
	}()
	for _, e := range past {
		if err := fn(e); err != nil {
			return err
		}
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-ch:
			if !ok {
				return errEventsBehind
			}
			if err := fn(e); err != nil {
				return err
			}
		}
	}
}

type eventsBehindError struct{}

func (eventsBehindError) Error() string { return "event follower fell behind" }

var errEventsBehind = eventsBehindError{}
