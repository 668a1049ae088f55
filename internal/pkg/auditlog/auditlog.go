// Package auditlog keeps the node's audit events in a bounded, hash-chained, append-only log on
// disk that survives restarts. When the log is full it removes its oldest segment and records
// that it did (an audit.rotated event naming the range and the last hash removed); when it finds
// a torn write after a crash it cuts it off and records that too. Nothing is dropped silently.
package auditlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/cairn-os/cairn/pkg/machinery/audit"
)

// Options bound the log.
type Options struct {
	// SegmentBytes is the size at which a new segment file is started.
	SegmentBytes int64
	// MaxSegments is how many segment files are kept; the oldest goes when one more is needed.
	MaxSegments int
	// Node names the node in the events the log writes itself.
	Node string
	// Now returns the time; nil means time.Now.
	Now func() time.Time
	// Logger receives operational messages (never event contents); nil discards them.
	Logger *slog.Logger
}

// DefaultOptions keep up to 16 MiB of events.
var DefaultOptions = Options{SegmentBytes: 1 << 20, MaxSegments: 16}

// Log is an open audit log. It is safe for concurrent use.
type Log struct {
	dir  string
	opts Options

	mu       sync.Mutex
	segs     []segment // oldest first
	cur      *os.File
	curSize  int64
	lastSeq  uint64
	lastHash string
	subs     map[chan audit.Event]struct{}
	closed   bool
}

// Open opens or creates the log in dir.
func Open(dir string, opts Options) (*Log, error) {
	if opts.SegmentBytes <= 0 || opts.MaxSegments < 2 {
		return nil, fmt.Errorf("audit log options: need SegmentBytes > 0 and MaxSegments >= 2, got %d and %d", opts.SegmentBytes, opts.MaxSegments)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create audit log directory: %w", err)
	}
	l := &Log{dir: dir, opts: opts, subs: map[chan audit.Event]struct{}{}}
	if err := l.load(); err != nil {
		return nil, err
	}
	return l, nil
}

// Append seals the event into the chain, writes it durably and hands it to subscribers. The
// caller's Seq, PrevHash and Hash are ignored.
func (l *Log) Append(e audit.Event) (audit.Event, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return audit.Event{}, fmt.Errorf("audit log is closed")
	}
	return l.writeLocked(e)
}

// appendLocked seals and writes one event to the current segment.
func (l *Log) appendLocked(e audit.Event) (audit.Event, error) {
	if e.Time.IsZero() {
		e.Time = l.opts.Now()
	}
	e.Seq = l.lastSeq + 1
	e.Seal(l.lastHash)
	line, err := e.Encode()
	if err != nil {
		return audit.Event{}, fmt.Errorf("encode audit event: %w", err)
	}
	if len(line) >= audit.MaxEventSize {
		return audit.Event{}, fmt.Errorf("audit event %d is %d bytes, more than the limit of %d", e.Seq, len(line), audit.MaxEventSize)
	}
	line = append(line, '\n')
	if _, err := l.cur.Write(line); err != nil {
		return audit.Event{}, fmt.Errorf("write audit event: %w", err)
	}
	if err := l.cur.Sync(); err != nil {
		return audit.Event{}, fmt.Errorf("sync audit log: %w", err)
	}
	l.curSize += int64(len(line))
	l.lastSeq, l.lastHash = e.Seq, e.Hash
	for ch := range l.subs {
		select {
		case ch <- e:
		default:
			// A subscriber that cannot keep up is cut off; it learns so from the closed channel
			// and can resume from the last sequence number it saw.
			close(ch)
			delete(l.subs, ch)
		}
	}
	return e, nil
}

// Last returns the sequence number and hash of the newest event.
func (l *Log) Last() (uint64, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lastSeq, l.lastHash
}

// Close closes the log and ends every subscription.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	for ch := range l.subs {
		close(ch)
		delete(l.subs, ch)
	}
	if l.cur == nil {
		return nil
	}
	return l.cur.Close()
}

// Follow calls fn for every event with Seq >= from, oldest first, and then for every new event
// as it is appended, until ctx ends, fn fails, or the follower falls too far behind. There is
// no gap between the stored and the live part.
func (l *Log) Follow(ctx context.Context, from uint64, fn func(audit.Event) error) error {
	ch := make(chan audit.Event, 1024)
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return fmt.Errorf("audit log is closed")
	}
	upTo := l.lastSeq
	l.subs[ch] = struct{}{}
	l.mu.Unlock()
	defer l.unsubscribe(ch)

	if from == 0 {
		from = 1
	}
	next := from
	if err := l.Read(from, func(e audit.Event) error {
		if e.Seq > upTo {
			return errStop
		}
		next = e.Seq + 1
		return fn(e)
	}); err != nil && !errors.Is(err, errStop) {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case e, ok := <-ch:
			if !ok {
				return fmt.Errorf("audit follower fell behind or the log closed after seq %d: resume from %d", next-1, next)
			}
			if e.Seq < next {
				continue
			}
			if err := fn(e); err != nil {
				return err
			}
			next = e.Seq + 1
		}
	}
}

func (l *Log) unsubscribe(ch chan audit.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.subs[ch]; ok {
		delete(l.subs, ch)
		close(ch)
	}
}

func (l *Log) segmentPath(first uint64) string {
	return filepath.Join(l.dir, segmentName(first))
}
