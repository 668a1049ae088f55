package supervisor

import (
	"bytes"
	"context"
	"sync"
)

// Ring keeps the last lines written to it, up to a byte budget, and lets readers follow new
// lines as they arrive. It is safe for concurrent use and implements io.Writer.
type Ring struct {
	mu      sync.Mutex
	max     int
	size    int
	lines   [][]byte
	partial []byte
	subs    map[chan []byte]struct{}
	tap     func([]byte)
}

// SetTap makes the ring call fn with every new line, under its lock: fn must not block (log
// forwarding queues the line and returns).
func (r *Ring) SetTap(fn func(line []byte)) {
	r.mu.Lock()
	r.tap = fn
	r.mu.Unlock()
}

// NewRing returns a ring holding at most maxBytes of lines.
func NewRing(maxBytes int) *Ring {
	return &Ring{max: maxBytes, subs: map[chan []byte]struct{}{}}
}

// Write splits p into lines; an unfinished last line waits for its newline.
func (r *Ring) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	data := append(r.partial, p...)
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		r.addLocked(bytes.Clone(data[:i+1]))
		data = data[i+1:]
	}
	r.partial = bytes.Clone(data)
	if len(r.partial) > r.max/4 {
		r.addLocked(append(r.partial, '\n'))
		r.partial = nil
	}
	return len(p), nil
}

func (r *Ring) addLocked(line []byte) {
	if r.tap != nil {
		r.tap(line)
	}
	r.lines = append(r.lines, line)
	r.size += len(line)
	for r.size > r.max && len(r.lines) > 1 {
		r.size -= len(r.lines[0])
		r.lines[0] = nil
		r.lines = r.lines[1:]
	}
	for ch := range r.subs {
		select {
		case ch <- line:
		default:
			close(ch)
			delete(r.subs, ch)
		}
	}
}

// Tail returns the last n lines (all when n < 0).
func (r *Ring) Tail(n int) [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tailLocked(n)
}

func (r *Ring) tailLocked(n int) [][]byte {
	start := 0
	if n >= 0 && n < len(r.lines) {
		start = len(r.lines) - n
	}
	return append([][]byte(nil), r.lines[start:]...)
}

// ErrFellBehind is returned by Follow when the reader could not keep up with the writer.
var ErrFellBehind = errFellBehind{}

type errFellBehind struct{}

func (errFellBehind) Error() string { return "log reader fell behind the writer" }

// Follow calls fn with the last n lines and then with every new line until ctx ends or fn
// fails. There is no gap and no repetition between the two parts.
func (r *Ring) Follow(ctx context.Context, n int, fn func([]byte) error) error {
	ch := make(chan []byte, 4096)
	r.mu.Lock()
	past := r.tailLocked(n)
	r.subs[ch] = struct{}{}
	r.mu.Unlock()
	defer r.unsubscribe(ch)
	for _, l := range past {
		if err := fn(l); err != nil {
			return err
		}
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case l, ok := <-ch:
			if !ok {
				return ErrFellBehind
			}
			if err := fn(l); err != nil {
				return err
			}
		}
	}
}

func (r *Ring) unsubscribe(ch chan []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.subs[ch]; ok {
		delete(r.subs, ch)
		close(ch)
	}
}
