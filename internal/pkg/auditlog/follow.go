package auditlog

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"

	"github.com/cairn-os/cairn/pkg/machinery/audit"
)

// Follow calls fn for every event with Seq >= from, oldest first, and then for every new event
// as it is appended, until ctx ends, fn fails, or the log closes. It reads the events from the
// segments on disk and waits for a notification between reads, so that a follower that does
// not read costs one open line buffer, not a copy of what it has not read. At most
// Options.MaxFollowers follow at once (ErrTooManyFollowers). Events rotated away before the
// follower read them are skipped; the rotation record it then reads says which.
func (l *Log) Follow(ctx context.Context, from uint64, fn func(audit.Event) error) error {
	if err := l.addFollower(); err != nil {
		return err
	}
	defer l.removeFollower()
	c := cursor{next: max(from, 1)}
	for {
		l.mu.Lock()
		closed, changed, segs := l.closed, l.changed, slices.Clone(l.segs)
		l.mu.Unlock()
		if closed {
			return fmt.Errorf("audit log closed after seq %d: resume from %d", c.next-1, c.next)
		}
		if err := c.advance(l, segs, fn); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

func (l *Log) addFollower() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return fmt.Errorf("audit log is closed")
	}
	if l.followers >= l.opts.MaxFollowers {
		return fmt.Errorf("%w: %d follow it already (the limit); end one, or read without following", ErrTooManyFollowers, l.followers)
	}
	l.followers++
	return nil
}

func (l *Log) removeFollower() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.followers--
}

// cursor is where a follower is: the segment and byte offset it reads next, and the next
// sequence number it wants.
type cursor struct {
	seg  uint64 // 0: not placed yet
	off  int64
	next uint64
}

// advance delivers every complete event after the cursor, through the newest segment.
func (c *cursor) advance(l *Log, segs []segment, fn func(audit.Event) error) error {
	if len(segs) == 0 {
		return nil
	}
	if !slices.Contains(segs, segment{first: c.seg}) {
		c.seg, c.off = segmentFor(segs, c.next), 0
	}
	for {
		err := l.scanSegment(c.seg, c.off, func(e audit.Event, end int64) error {
			c.off = end
			if e.Seq < c.next {
				return nil
			}
			c.next = e.Seq + 1
			return fn(e)
		})
		if errors.Is(err, fs.ErrNotExist) {
			c.seg = 0 // rotated away while we read: the next round starts at the oldest kept
			return nil
		}
		if err != nil {
			return err
		}
		i := slices.Index(segs, segment{first: c.seg})
		if i+1 >= len(segs) {
			return nil
		}
		c.seg, c.off = segs[i+1].first, 0
	}
}

// segmentFor is the segment that holds seq, or the oldest when seq was rotated away.
func segmentFor(segs []segment, seq uint64) uint64 {
	at := segs[0].first
	for _, s := range segs {
		if s.first <= seq {
			at = s.first
		}
	}
	return at
}
