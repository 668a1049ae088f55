package auditlog

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/cairn-os/cairn/pkg/machinery/audit"
)

// errStop ends a Read early without error.
var errStop = errors.New("stop")

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

// load finds the segments, recovers from a torn final write and opens the newest for append.
func (l *Log) load() error {
	entries, err := os.ReadDir(l.dir)
	if err != nil {
		return fmt.Errorf("read audit log directory: %w", err)
	}
	for _, e := range entries {
		if first, ok := parseSegmentName(e.Name()); ok && e.Type().IsRegular() {
			l.segs = append(l.segs, segment{first: first})
		}
	}
	sort.Slice(l.segs, func(i, j int) bool { return l.segs[i].first < l.segs[j].first })
	if len(l.segs) == 0 {
		return nil
	}
	return l.openNewest()
}

func (l *Log) openNewest() error {
	newest := l.segmentPath(l.segs[len(l.segs)-1].first)
	data, err := os.ReadFile(newest)
	if err != nil {
		return fmt.Errorf("read audit segment: %w", err)
	}
	good := bytes.LastIndexByte(data, '\n') + 1
	torn := len(data) - good
	if torn > 0 {
		if err := os.Truncate(newest, int64(good)); err != nil {
			return fmt.Errorf("cut torn write from audit segment: %w", err)
		}
	}
	if err := l.findLast(); err != nil {
		return err
	}
	f, err := os.OpenFile(newest, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open audit segment: %w", err)
	}
	l.cur, l.curSize = f, int64(good)
	if torn > 0 {
		l.opts.Logger.Warn("audit log cut a torn write", "bytes", torn, "segment", filepath.Base(newest))
		note := fmt.Sprintf("cut %d bytes of a torn write at the end of %s after a crash", torn, filepath.Base(newest))
		if _, err := l.writeLocked(audit.Event{Kind: audit.KindRecovered, Node: l.opts.Node, Note: note}); err != nil {
			return err
		}
	}
	return nil
}

// findLast sets lastSeq and lastHash from the newest segment that holds an event.
func (l *Log) findLast() error {
	for i := len(l.segs) - 1; i >= 0; i-- {
		var last *audit.Event
		err := l.readSegment(l.segs[i], func(e audit.Event) error { last = &e; return nil })
		if err != nil {
			return err
		}
		if last != nil {
			l.lastSeq, l.lastHash = last.Seq, last.Hash
			return nil
		}
		// An empty segment starts right after the events before it.
		l.lastSeq = l.segs[i].first - 1
	}
	return nil
}

// Read calls fn for every stored event with Seq >= from, oldest first. A line being written
// while Read runs is not returned.
func (l *Log) Read(from uint64, fn func(audit.Event) error) error {
	l.mu.Lock()
	segs := append([]segment(nil), l.segs...)
	l.mu.Unlock()
	for i, s := range segs {
		if i+1 < len(segs) && segs[i+1].first <= from {
			continue
		}
		err := l.readSegment(s, func(e audit.Event) error {
			if e.Seq < from {
				return nil
			}
			return fn(e)
		})
		if errors.Is(err, fs.ErrNotExist) {
			continue // rotated away while we read; the rotation event says so
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (l *Log) readSegment(s segment, fn func(audit.Event) error) error {
	data, err := os.ReadFile(l.segmentPath(s.first))
	if err != nil {
		return fmt.Errorf("read audit segment: %w", err)
	}
	data = data[:bytes.LastIndexByte(data, '\n')+1]
	for n := 1; len(data) > 0; n++ {
		i := bytes.IndexByte(data, '\n')
		line := data[:i]
		data = data[i+1:]
		e, err := audit.Decode(line)
		if err != nil {
			return fmt.Errorf("%s line %d: %w", segmentName(s.first), n, err)
		}
		if err := fn(e); err != nil {
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

// roll starts a new segment and, when that makes one too many, removes the oldest and records
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
	if len(l.segs) <= l.opts.MaxSegments {
		return nil
	}
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
	var lastHash string
	err := l.readSegment(next, func(e audit.Event) error { lastHash = e.PrevHash; return errStop })
	if err != nil && !errors.Is(err, errStop) {
		return nil, err
	}
	if err := os.Remove(l.segmentPath(oldest.first)); err != nil {
		return nil, fmt.Errorf("remove oldest audit segment: %w", err)
	}
	l.segs = l.segs[1:]
	return &audit.Dropped{FromSeq: oldest.first, ToSeq: next.first - 1, LastHash: lastHash}, nil
}
