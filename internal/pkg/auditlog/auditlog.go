// Package auditlog keeps the node's audit events in a bounded, hash-chained, append-only log on
// disk that survives restarts. When the log is full it removes its oldest segment and records
// that it did (an audit.rotated event naming the range and the last hash removed); when it finds
// a torn write after a crash it cuts it off and records that too; a segment it cannot parse is
// moved aside and recorded as a gap. The node's key signs the chain at boot, at shutdown,
// periodically and before it is read (anchors), so that a rewritten or cut chain does not
// verify. Refused calls with unverified claims are written in full once per source and window
// and counted in an aggregate after that, so that nobody can flush the log without
// authenticating. Nothing is dropped silently.
package auditlog

import (
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
	// MaxFollowers bounds the concurrent Follow calls; 0 means DefaultMaxFollowers.
	MaxFollowers int
	// AnchorEvery is how many events may follow a signed anchor before the log signs another;
	// 0 means DefaultAnchorEvery.
	AnchorEvery int
	// Window is how often the log writes the refusal aggregates and, when events were written
	// since the last one, a periodic anchor; 0 means DefaultWindow, negative disables the timer
	// (tests call Tick).
	Window time.Duration
	// MaxSources bounds the sources whose refusals are counted apart; 0 means
	// DefaultMaxSources. Further sources share one aggregate.
	MaxSources int
}

// Defaults.
const (
	DefaultMaxFollowers = 16
	DefaultAnchorEvery  = 1000
	// DefaultWindow and DefaultMaxSources bound what refusals can write: per window (which also
	// ends when the log is read), at most 8 events in full per source and 32 in all (about
	// 2 KiB each at most), and one aggregate per source for up to DefaultMaxSources sources
	// plus one for all others: about 25 MB a day however many sources the refused calls come
	// from, and 5 MB a day from one source.
	DefaultWindow     = 5 * time.Minute
	DefaultMaxSources = 16
	// DefaultRetentionBytes is what the log keeps unless the machine configuration says
	// otherwise: with calls of about 1 KiB, days of normal use.
	DefaultRetentionBytes = 64 << 20
)

// DefaultOptions keep up to DefaultRetentionBytes of events in 4 MiB segments.
var DefaultOptions = Options{SegmentBytes: 4 << 20, MaxSegments: DefaultRetentionBytes / (4 << 20)}

// ErrTooManyFollowers refuses a Follow beyond Options.MaxFollowers.
var ErrTooManyFollowers = errors.New("too many audit log followers")

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
	// prior is what load found: the last event before this run and whether it was a shutdown
	// record.
	prior      uint64
	priorClean bool
	pending    []audit.Event // records load wants written once the log is open
	changed    chan struct{} // closed and replaced on every append
	followers  int
	signer     *audit.Signer
	sinceSig   int
	refusals   *refusals
	booted     bool
	closed     bool
	stopTicker chan struct{}
}

// Open opens or creates the log in dir.
func Open(dir string, opts Options) (*Log, error) {
	opts, err := withDefaults(opts)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create audit log directory: %w", err)
	}
	l := &Log{dir: dir, opts: opts, changed: make(chan struct{}), refusals: newRefusals(opts.MaxSources)}
	if err := l.load(); err != nil {
		return nil, err
	}
	for _, e := range l.pending {
		if _, err := l.writeLocked(e); err != nil {
			return nil, err
		}
	}
	l.pending = nil
	if opts.Window > 0 {
		l.stopTicker = make(chan struct{})
		go l.tick(opts.Window, l.stopTicker)
	}
	return l, nil
}

func withDefaults(opts Options) (Options, error) {
	if opts.SegmentBytes <= 0 || opts.MaxSegments < 2 {
		return opts, fmt.Errorf("audit log options: need SegmentBytes > 0 and MaxSegments >= 2, got %d and %d", opts.SegmentBytes, opts.MaxSegments)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxFollowers == 0 {
		opts.MaxFollowers = DefaultMaxFollowers
	}
	if opts.AnchorEvery == 0 {
		opts.AnchorEvery = DefaultAnchorEvery
	}
	if opts.Window == 0 {
		opts.Window = DefaultWindow
	}
	if opts.MaxSources == 0 {
		opts.MaxSources = DefaultMaxSources
	}
	return opts, nil
}

// SetRetention sets how many bytes of events the log keeps (rounded down to whole segments,
// at least two). A smaller value takes effect when the next segment starts.
func (l *Log) SetRetention(bytes int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.opts.MaxSegments = max(2, int(bytes/l.opts.SegmentBytes))
}

// Append seals the event into the chain, writes it durably and wakes the followers. The
// caller's Seq, PrevHash and Hash are ignored. A refused call with unverified claims from a
// source already written in full in this window is counted in its source's aggregate instead,
// and comes back unsealed (Seq 0).
func (l *Log) Append(e audit.Event) (audit.Event, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return audit.Event{}, fmt.Errorf("audit log is closed")
	}
	if isRefusal(e) && !l.refusals.admit(e, l.opts.Now()) {
		return e, nil
	}
	return l.writeLocked(e)
}

// isRefusal says whether the event is a refused call whose caller did not authenticate.
func isRefusal(e audit.Event) bool {
	return e.Kind == audit.KindCall && e.Unverified && e.Code != "OK"
}

// appendLocked seals and writes one event to the current segment.
func (l *Log) appendLocked(e audit.Event) (audit.Event, error) {
	if e.Time.IsZero() {
		e.Time = l.opts.Now()
	}
	e.Seq = l.lastSeq + 1
	e.Bound()
	if err := l.seal(&e); err != nil {
		return audit.Event{}, err
	}
	line, err := e.Encode()
	if err != nil {
		return audit.Event{}, fmt.Errorf("encode audit event: %w", err)
	}
	if len(line) >= audit.MaxEventSize {
		return audit.Event{}, fmt.Errorf("audit event %d is %d bytes after bounding its fields, more than the limit of %d", e.Seq, len(line), audit.MaxEventSize)
	}
	if err := l.writeLine(append(line, '\n')); err != nil {
		return audit.Event{}, err
	}
	l.lastSeq, l.lastHash = e.Seq, e.Hash
	close(l.changed)
	l.changed = make(chan struct{})
	return e, l.afterAppend(e)
}

func (l *Log) writeLine(line []byte) error {
	if _, err := l.cur.Write(line); err != nil {
		return fmt.Errorf("write audit event: %w", err)
	}
	if err := l.cur.Sync(); err != nil {
		return fmt.Errorf("sync audit log: %w", err)
	}
	l.curSize += int64(len(line))
	return nil
}

// Last returns the sequence number and hash of the newest event.
func (l *Log) Last() (uint64, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lastSeq, l.lastHash
}

// Close closes the log and ends every follower. It writes no shutdown record: see Shutdown.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closeLocked()
}

func (l *Log) closeLocked() error {
	if l.closed {
		return nil
	}
	l.closed = true
	close(l.changed)
	if l.stopTicker != nil {
		close(l.stopTicker)
	}
	if l.cur == nil {
		return nil
	}
	return l.cur.Close()
}

func (l *Log) segmentPath(first uint64) string {
	return filepath.Join(l.dir, segmentName(first))
}
