package auditlog

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/cairn-os/cairn/pkg/machinery/audit"
)

// quarantineDir is where segments that do not parse are moved, out of the log.
const quarantineDir = "quarantine"

// load finds the segments, recovers from a torn final write, moves aside the segments it cannot
// parse, and opens the newest for append. What it did is queued in l.pending, to be recorded.
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
	// What a larger retention kept stays until SetRetention says otherwise: opening the log
	// never removes history.
	l.opts.MaxSegments = max(l.opts.MaxSegments, len(l.segs)+1)
	if err := l.cutTornTail(); err != nil {
		return err
	}
	if err := l.quarantineCorrupt(); err != nil {
		return err
	}
	if len(l.segs) == 0 {
		return nil // the gap record starts a new segment
	}
	if err := l.findLast(); err != nil {
		return err
	}
	return l.openNewest()
}

// cutTornTail removes a last line without its newline from the newest segment: a write the
// node did not finish before it stopped.
func (l *Log) cutTornTail() error {
	newest := l.segmentPath(l.segs[len(l.segs)-1].first)
	var good int64
	err := l.scanSegment(l.segs[len(l.segs)-1].first, 0, func(_ audit.Event, end int64) error { good = end; return nil })
	if err != nil && !errors.Is(err, errCorrupt) {
		return err
	}
	if errors.Is(err, errCorrupt) {
		return nil // quarantineCorrupt moves the whole segment aside
	}
	st, err := os.Stat(newest)
	if err != nil {
		return fmt.Errorf("read audit segment: %w", err)
	}
	torn := st.Size() - good
	if torn == 0 {
		return nil
	}
	if err := os.Truncate(newest, good); err != nil {
		return fmt.Errorf("cut torn write from audit segment: %w", err)
	}
	l.opts.Logger.Warn("audit log cut a torn write", "bytes", torn, "segment", filepath.Base(newest))
	note := fmt.Sprintf("cut %d bytes of a torn write at the end of %s after a crash", torn, filepath.Base(newest))
	l.pending = append(l.pending, audit.Event{Kind: audit.KindRecovered, Node: l.opts.Node, Note: note})
	return nil
}

// quarantineCorrupt moves the newest segment holding a line that is not an event, and every
// older one, into the quarantine directory, and queues a gap record that accounts for them
// the way a rotation record does. The node boots with the rest of its history.
func (l *Log) quarantineCorrupt() error {
	bad, cause := l.newestCorrupt()
	if bad < 0 {
		return nil
	}
	gap, err := l.gapFor(bad)
	if err != nil {
		return err
	}
	if err := l.moveAside(l.segs[:bad+1]); err != nil {
		return err
	}
	l.opts.Logger.Error("audit log moved corrupt segments aside", "fromSeq", gap.FromSeq, "toSeq", gap.ToSeq, "error", cause)
	note := fmt.Sprintf("events %d to %d moved to %s/ because a segment does not parse: %v", gap.FromSeq, gap.ToSeq, quarantineDir, cause)
	l.pending = append([]audit.Event{{Kind: audit.KindGap, Node: l.opts.Node, Dropped: gap, Note: note}}, l.pending...)
	l.segs = l.segs[bad+1:]
	if len(l.segs) == 0 {
		l.lastSeq, l.lastHash, l.prior = gap.ToSeq, gap.LastHash, gap.ToSeq
		l.pending = l.pending[:1] // a torn tail of a quarantined segment is part of the gap
	}
	return nil
}

// newestCorrupt returns the index of the newest segment that does not parse, or -1.
func (l *Log) newestCorrupt() (int, error) {
	for i := len(l.segs) - 1; i >= 0; i-- {
		err := l.scanSegment(l.segs[i].first, 0, func(audit.Event, int64) error { return nil })
		if errors.Is(err, errCorrupt) {
			return i, err
		}
	}
	return -1, nil
}

// gapFor says which events moving segs[:bad+1] aside removes, and the hash the chain goes on
// from.
func (l *Log) gapFor(bad int) (*audit.Dropped, error) {
	d := &audit.Dropped{FromSeq: l.segs[0].first}
	if bad+1 < len(l.segs) {
		next := l.segs[bad+1]
		d.ToSeq = next.first - 1
		err := l.scanSegment(next.first, 0, func(e audit.Event, _ int64) error { d.LastHash = e.PrevHash; return errStop })
		if err != nil && !errors.Is(err, errStop) && !errors.Is(err, errCorrupt) {
			return nil, err
		}
		return d, nil
	}
	// The newest segment is corrupt: go on after the newest of its lines that still parse.
	d.ToSeq = l.segs[bad].first - 1
	_ = l.scanLenient(l.segs[bad].first, func(e audit.Event) {
		if e.Seq >= d.ToSeq {
			d.ToSeq, d.LastHash = e.Seq, e.Hash
		}
	})
	return d, nil
}

// scanLenient calls fn for every line of the segment that parses, skipping the others.
func (l *Log) scanLenient(first uint64, fn func(audit.Event)) error {
	data, err := os.ReadFile(l.segmentPath(first))
	if err != nil {
		return fmt.Errorf("read audit segment: %w", err)
	}
	for _, line := range bytes.Split(data, []byte{'\n'}) {
		if e, err := audit.Decode(line); err == nil {
			fn(e)
		}
	}
	return nil
}

func (l *Log) moveAside(segs []segment) error {
	q := filepath.Join(l.dir, quarantineDir)
	if err := os.MkdirAll(q, 0o700); err != nil {
		return fmt.Errorf("create audit quarantine directory: %w", err)
	}
	stamp := l.opts.Now().UTC().Format("20060102T150405.000000000Z")
	for _, s := range segs {
		if err := os.Rename(l.segmentPath(s.first), filepath.Join(q, segmentName(s.first)+"."+stamp)); err != nil {
			return fmt.Errorf("move corrupt audit segment aside: %w", err)
		}
	}
	return nil
}

func (l *Log) openNewest() error {
	newest := l.segmentPath(l.segs[len(l.segs)-1].first)
	f, err := os.OpenFile(newest, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open audit segment: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("open audit segment: %w", err)
	}
	l.cur, l.curSize = f, st.Size()
	return nil
}

// findLast sets lastSeq and lastHash from the newest segment that holds an event, and what the
// boot record will say about the earlier runs.
func (l *Log) findLast() error {
	for i := len(l.segs) - 1; i >= 0; i-- {
		var last *audit.Event
		err := l.scanSegment(l.segs[i].first, 0, func(e audit.Event, _ int64) error { last = &e; return nil })
		if err != nil {
			return err
		}
		if last != nil {
			l.lastSeq, l.lastHash = last.Seq, last.Hash
			l.prior, l.priorClean = last.Seq, last.Kind == audit.KindShutdown
			return nil
		}
		// An empty segment starts right after the events before it.
		l.lastSeq = l.segs[i].first - 1
		l.prior = l.lastSeq
	}
	return nil
}
