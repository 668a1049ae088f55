package auditlog

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/cairn-os/cairn/pkg/machinery/audit"
)

// errStop ends a scan early without error.
var errStop = errors.New("stop")

// errCorrupt marks a line that is not an event (as opposed to a failure to read the file).
var errCorrupt = errors.New("corrupt audit segment")

// segment is one file of the log, named by the sequence number of its first event.
type segment struct {
	first uint64
}

const segPrefix, segSuffix = "audit-", ".jsonl"

func segmentName(first uint64) string {
	return fmt.Sprintf("%s%020d%s", segPrefix, first, segSuffix)
}

func parseSegmentName(name string) (uint64, bool) {
	if !strings.HasPrefix(name, segPrefix) || !strings.HasSuffix(name, segSuffix) {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(name, segPrefix), segSuffix), 10, 64)
	return n, err == nil && n > 0
}

// scanSegment calls fn for every complete line of the segment from byte off on, with the
// event and the offset just past its line. It stops without error at a line that has no
// newline yet (being written, or torn). It holds one line in memory at a time.
func (l *Log) scanSegment(first uint64, off int64, fn func(e audit.Event, end int64) error) error {
	f, err := os.Open(l.segmentPath(first))
	if err != nil {
		return fmt.Errorf("read audit segment: %w", err)
	}
	defer func() { _ = f.Close() }()
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return fmt.Errorf("read audit segment %s: %w", segmentName(first), err)
	}
	r := bufio.NewReaderSize(f, audit.MaxEventSize+1)
	for {
		line, err := r.ReadSlice('\n')
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case errors.Is(err, bufio.ErrBufferFull):
			return fmt.Errorf("%w: %s at byte %d: a line longer than %d bytes", errCorrupt, segmentName(first), off, audit.MaxEventSize)
		case err != nil:
			return fmt.Errorf("read audit segment %s: %w", segmentName(first), err)
		}
		e, err := audit.Decode(line[:len(line)-1])
		if err != nil {
			return fmt.Errorf("%w: %s at byte %d: %w", errCorrupt, segmentName(first), off, err)
		}
		off += int64(len(line))
		if err := fn(e, off); err != nil {
			return err
		}
	}
}

// Read calls fn for every stored event with Seq >= from, oldest first, up to the newest event
// when Read starts.
func (l *Log) Read(from uint64, fn func(audit.Event) error) error {
	last, _ := l.Last()
	return l.ReadRange(from, last, fn)
}

// ReadRange calls fn for every stored event with from <= Seq <= to, oldest first.
func (l *Log) ReadRange(from, to uint64, fn func(audit.Event) error) error {
	l.mu.Lock()
	segs := append([]segment(nil), l.segs...)
	l.mu.Unlock()
	for i, s := range segs {
		if i+1 < len(segs) && segs[i+1].first <= from {
			continue
		}
		err := l.scanSegment(s.first, 0, func(e audit.Event, _ int64) error {
			switch {
			case e.Seq > to:
				return errStop
			case e.Seq < from:
				return nil
			}
			return fn(e)
		})
		switch {
		case errors.Is(err, errStop):
			return nil
		case errors.Is(err, fs.ErrNotExist):
			continue // rotated away while we read; the rotation event says so
		case err != nil:
			return err
		}
	}
	return nil
}

// writeLocked appends one event, starting a new segment (and rotating out the oldest) first
// when the current one is full.
func (l *Log) writeLocked(e audit.Event) (audit.Event, error) {
	if l.cur == nil || l.curSize >= l.opts.SegmentBytes {
		if err := l.roll(); err != nil {
			return audit.Event{}, err
		}
	}
	return l.appendLocked(e)
}

// roll starts a new segment and, when that makes too many, removes the oldest and records
// what it removed.
func (l *Log) roll() error {
	first := l.lastSeq + 1
	f, err := os.OpenFile(l.segmentPath(first), os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("start audit segment: %w", err)
	}
	if l.cur != nil {
		if err := l.cur.Close(); err != nil {
			_ = f.Close() // the first error is the one worth reporting
			return fmt.Errorf("close audit segment: %w", err)
		}
	}
	l.cur, l.curSize = f, 0
	l.segs = append(l.segs, segment{first: first})
	for len(l.segs) > l.opts.MaxSegments {
		if err := l.rotateOldest(); err != nil {
			return err
		}
	}
	return nil
}

func (l *Log) rotateOldest() error {
	dropped, err := l.dropOldest()
	if err != nil {
		return err
	}
	l.opts.Logger.Warn("audit log full: removed its oldest segment", "fromSeq", dropped.FromSeq, "toSeq", dropped.ToSeq)
	_, err = l.appendLocked(audit.Event{
		Kind: audit.KindRotated, Node: l.opts.Node, Dropped: dropped,
		Note: fmt.Sprintf("audit log full: removed events %d to %d to stay within %d segments of %d bytes", dropped.FromSeq, dropped.ToSeq, l.opts.MaxSegments, l.opts.SegmentBytes),
	})
	return err
}

func (l *Log) dropOldest() (*audit.Dropped, error) {
	oldest, next := l.segs[0], l.segs[1]
	lastHash, err := l.firstPrevHash(next)
	if err != nil {
		return nil, err
	}
	if err := os.Remove(l.segmentPath(oldest.first)); err != nil {
		return nil, fmt.Errorf("remove oldest audit segment: %w", err)
	}
	l.segs = l.segs[1:]
	return &audit.Dropped{FromSeq: oldest.first, ToSeq: next.first - 1, LastHash: lastHash}, nil
}

// firstPrevHash is the prevHash of the segment's first event: the hash of the event before it.
// An empty segment (the one being started) links to the newest event.
func (l *Log) firstPrevHash(s segment) (string, error) {
	hash, found := l.lastHash, false
	err := l.scanSegment(s.first, 0, func(e audit.Event, _ int64) error { hash, found = e.PrevHash, true; return errStop })
	if err != nil && !errors.Is(err, errStop) {
		return "", err
	}
	if !found && s.first != l.lastSeq+1 {
		return "", fmt.Errorf("audit segment %s is empty", segmentName(s.first))
	}
	return hash, nil
}
