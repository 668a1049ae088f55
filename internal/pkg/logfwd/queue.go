package logfwd

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cairn-os/cairn/pkg/machinery/atomicfile"
)

// A queue is a directory of segment files named by the sequence number of their first entry
// (%020d.seg) and a file "acked" holding the sequence number of the last acknowledged entry.
// A segment starts with segMagic and the highest audit sequence number queued before it; then
// come frames: payload length, CRC-32C of the rest of the frame, sequence number, audit
// sequence number (0 if none), time in Unix nanoseconds, payload (a JSON Record).
const (
	segMagic     = "CQS1"
	segHeaderLen = 4 + 8
	frameHeader  = 4 + 4 + 8 + 8 + 8
	segSuffix    = ".seg"
	ackedFile    = "acked"
	// maxPayload bounds one entry; Append refuses larger ones (they cannot be formatted into
	// MaxMessageSize anyway, and a corrupt length must not make Open allocate gigabytes).
	maxPayload = 1 << 20
	// segmentsPerQueue is how many segments a full queue has: what is dropped when it is
	// full is one of them, an eighth of the queue.
	segmentsPerQueue = 8
	minSegmentBytes  = 16 << 10
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Queue is a bounded, persistent FIFO of records with sequence numbers. Append never waits for
// a reader; when the queue is full it removes its oldest segment and, if that held entries not
// yet acknowledged, appends a gap record naming them. It is safe for concurrent use.
type Queue struct {
	dir      string
	maxBytes int64
	segBytes int64

	mu       sync.Mutex
	segs     []*segment // oldest first; the last is the one written
	cur      *os.File
	total    int64
	lastSeq  uint64
	auditHW  uint64
	acked    uint64
	dropped  uint64
	notify   chan struct{}
	closed   bool
	unsynced bool
}

type segment struct {
	first, last uint64 // last < first: empty
	size        int64
	auditHW     uint64 // from the header
}

func (s *segment) name() string { return fmt.Sprintf("%020d%s", s.first, segSuffix) }

// OpenQueue opens or creates the queue in dir, bounded to maxBytes on disk. A torn last frame
// (a crash during a write) is cut off; a damaged frame elsewhere ends its segment there, and
// a gap record names what was lost.
func OpenQueue(dir string, maxBytes int64) (*Queue, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create log queue directory: %w", err)
	}
	q := &Queue{dir: dir, maxBytes: maxBytes, segBytes: max(maxBytes/segmentsPerQueue, minSegmentBytes), notify: make(chan struct{}, 1)}
	if err := q.load(); err != nil {
		return nil, err
	}
	return q, nil
}

// load reads the acknowledged position and scans every segment.
func (q *Queue) load() error {
	if data, err := os.ReadFile(filepath.Join(q.dir, ackedFile)); err == nil {
		q.acked, _ = strconv.ParseUint(strings.TrimSpace(string(data)), 10, 64)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read log queue position: %w", err)
	}
	names, err := filepath.Glob(filepath.Join(q.dir, "*"+segSuffix))
	if err != nil {
		return err
	}
	slices.Sort(names)
	var lost []Gap
	for _, name := range names {
		first, err := strconv.ParseUint(strings.TrimSuffix(filepath.Base(name), segSuffix), 10, 64)
		if err != nil || first == 0 {
			continue // not ours
		}
		s := &segment{first: first, last: first - 1}
		if err := q.scan(s, name, &lost); err != nil {
			return err
		}
		q.segs = append(q.segs, s)
		q.total += s.size
		q.lastSeq = max(q.lastSeq, s.last, first-1)
		q.auditHW = max(q.auditHW, s.auditHW)
	}
	q.acked = min(q.acked, q.lastSeq)
	for _, g := range lost {
		if err := q.appendGap(g); err != nil {
			return err
		}
	}
	return nil
}

// scan reads one segment's frame headers, cutting it at the first damaged frame.
func (q *Queue) scan(s *segment, name string, lost *[]Gap) error {
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("open log queue segment: %w", err)
	}
	defer func() { _ = f.Close() }()
	var hdr [segHeaderLen]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil || string(hdr[:4]) != segMagic {
		return q.cut(f, s, 0, lost, "a queue segment's header was damaged")
	}
	s.auditHW = binary.BigEndian.Uint64(hdr[4:])
	s.size = segHeaderLen
	r := newFrameReader(f, segHeaderLen, 1<<62)
	for {
		fr, err := r.next()
		if err != nil {
			if errors.Is(err, errEnd) {
				return nil
			}
			return q.cut(f, s, s.size, lost, "the queue was damaged (a crash during a write)")
		}
		if fr.seq != s.last+1 {
			return q.cut(f, s, s.size, lost, "the queue was damaged")
		}
		s.last = fr.seq
		s.size = r.off
		s.auditHW = max(s.auditHW, fr.auditSeq)
	}
}

// cut truncates a segment at off. Entries after it are lost: the next segment's first
// sequence number says how many, so the gap is recorded once the whole queue is scanned.
func (q *Queue) cut(f *os.File, s *segment, off int64, lost *[]Gap, reason string) error {
	if off < segHeaderLen {
		var hdr [segHeaderLen]byte
		copy(hdr[:], segMagic)
		if _, err := f.WriteAt(hdr[:], 0); err != nil {
			return fmt.Errorf("repair log queue segment: %w", err)
		}
		off = segHeaderLen
	}
	if err := f.Truncate(off); err != nil {
		return fmt.Errorf("repair log queue segment: %w", err)
	}
	s.size = off
	*lost = append(*lost, Gap{FromSeq: s.last + 1, Reason: reason})
	return nil
}

// Append adds a record and returns its sequence number. auditSeq is the audit event's
// sequence number, 0 for other records.
func (q *Queue) Append(r *Record) (uint64, error) {
	payload, err := encodeRecord(r)
	if err != nil {
		return 0, err
	}
	if len(payload) > maxPayload {
		return 0, fmt.Errorf("log record of %d bytes is larger than %d", len(payload), maxPayload)
	}
	var auditSeq uint64
	if r.Audit != nil {
		auditSeq = r.Audit.Seq
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return 0, errors.New("log queue is closed")
	}
	return q.appendLocked(payload, auditSeq, r.Time)
}

func (q *Queue) appendLocked(payload []byte, auditSeq uint64, t time.Time) (uint64, error) {
	size := int64(frameHeader + len(payload))
	if err := q.makeRoom(size); err != nil {
		return 0, err
	}
	seq := q.lastSeq + 1
	frame := make([]byte, frameHeader, size)
	binary.BigEndian.PutUint32(frame[0:], uint32(len(payload)))
	binary.BigEndian.PutUint64(frame[8:], seq)
	binary.BigEndian.PutUint64(frame[16:], auditSeq)
	binary.BigEndian.PutUint64(frame[24:], uint64(t.UnixNano()))
	frame = append(frame, payload...)
	binary.BigEndian.PutUint32(frame[4:], crc32.Checksum(frame[8:], castagnoli))
	if _, err := q.cur.Write(frame); err != nil {
		return 0, fmt.Errorf("write log queue: %w", err)
	}
	s := q.segs[len(q.segs)-1]
	s.last, s.size = seq, s.size+size
	q.total += size
	q.lastSeq = seq
	q.auditHW = max(q.auditHW, auditSeq)
	q.unsynced = true
	select {
	case q.notify <- struct{}{}:
	default:
	}
	return seq, nil
}

// makeRoom opens a segment to write to and removes the oldest ones until size more bytes fit.
func (q *Queue) makeRoom(size int64) error {
	if q.cur == nil || q.segs[len(q.segs)-1].size+size > q.segBytes {
		if err := q.startSegment(); err != nil {
			return err
		}
	}
	var gap *Gap
	for q.total+size > q.maxBytes && len(q.segs) > 1 {
		g, err := q.dropOldest()
		if err != nil {
			return err
		}
		if g.Count > 0 && gap == nil {
			gap = &g
		} else if g.Count > 0 {
			gap.Count, gap.FromSeq, gap.ToSeq, gap.AuditTo = gap.Count+g.Count, min(gap.FromSeq, g.FromSeq), g.ToSeq, max(gap.AuditTo, g.AuditTo)
			if gap.AuditFrom == 0 || (g.AuditFrom != 0 && g.AuditFrom < gap.AuditFrom) {
				gap.AuditFrom = g.AuditFrom
			}
		}
	}
	if gap == nil {
		return nil
	}
	gap.Reason = "the queue was full"
	return q.appendGapLocked(*gap)
}

func (q *Queue) startSegment() error {
	if q.cur != nil {
		if err := q.cur.Sync(); err != nil {
			return fmt.Errorf("sync log queue: %w", err)
		}
		_ = q.cur.Close()
		q.cur = nil
	}
	if n := len(q.segs); n > 0 && q.segs[n-1].last < q.segs[n-1].first {
		// The previous segment is empty (one cut to nothing, or opened just before a
		// restart): it goes, and the new one may take its name.
		_ = os.Remove(filepath.Join(q.dir, q.segs[n-1].name()))
		q.total -= q.segs[n-1].size
		q.segs = q.segs[:n-1]
	}
	s := &segment{first: q.lastSeq + 1, last: q.lastSeq, size: segHeaderLen, auditHW: q.auditHW}
	f, err := os.OpenFile(filepath.Join(q.dir, s.name()), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("create log queue segment: %w", err)
	}
	var hdr [segHeaderLen]byte
	copy(hdr[:], segMagic)
	binary.BigEndian.PutUint64(hdr[4:], q.auditHW)
	if _, err := f.Write(hdr[:]); err != nil {
		_ = f.Close()
		return fmt.Errorf("write log queue segment: %w", err)
	}
	q.segs = append(q.segs, s)
	q.total += segHeaderLen
	q.cur = f
	return nil
}

// dropOldest removes the oldest segment and says which unacknowledged entries went with it.
func (q *Queue) dropOldest() (Gap, error) {
	s := q.segs[0]
	var g Gap
	if from := max(s.first, q.acked+1); from <= s.last {
		var entries uint64
		g, entries = q.summarize(s, from)
		q.dropped += entries
		q.acked = s.last // what is gone is no longer waited for
	}
	if err := os.Remove(filepath.Join(q.dir, s.name())); err != nil {
		return Gap{}, fmt.Errorf("remove log queue segment: %w", err)
	}
	q.total -= s.size
	q.segs = q.segs[1:]
	return g, nil
}

// summarize reads a segment from the entry from on and returns the gap its loss makes:
// its entries and what the gap records among them named (their entries are lost for good
// now that the record saying so goes too), and how many entries it holds that are not gap
// records. A gap's audit range is the lowest and highest audit sequence number it names.
func (q *Queue) summarize(s *segment, from uint64) (g Gap, entries uint64) {
	g = Gap{FromSeq: from, ToSeq: s.last}
	f, err := os.Open(filepath.Join(q.dir, s.name()))
	if err != nil {
		g.Count = s.last - from + 1
		return g, g.Count
	}
	defer func() { _ = f.Close() }()
	r := newFrameReader(f, segHeaderLen, s.size)
	for {
		fr, err := r.next()
		if err != nil || fr.seq > s.last {
			return g, entries
		}
		if fr.seq < from {
			continue
		}
		lo, hi, n := fr.auditSeq, fr.auditSeq, uint64(1)
		if rec, err := decodeRecord(fr.payload); fr.auditSeq == 0 && err == nil && rec.Gap != nil {
			lo, hi, n = rec.Gap.AuditFrom, rec.Gap.AuditTo, rec.Gap.Count
			if rec.Gap.FromSeq != 0 {
				g.FromSeq = min(g.FromSeq, rec.Gap.FromSeq)
			}
		} else {
			entries++
		}
		g.Count += n
		if lo != 0 && (g.AuditFrom == 0 || lo < g.AuditFrom) {
			g.AuditFrom = lo
		}
		g.AuditTo = max(g.AuditTo, hi)
	}
}

// appendGap records entries lost while loading.
func (q *Queue) appendGap(g Gap) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	next := q.lastSeq + 1
	for _, s := range q.segs {
		if s.first > g.FromSeq {
			next = s.first
			break
		}
	}
	if next <= g.FromSeq {
		return nil // nothing was lost after all: the damage was at the very end
	}
	g.ToSeq, g.Count = next-1, next-g.FromSeq
	q.dropped += g.Count
	return q.appendGapLocked(g)
}

func (q *Queue) appendGapLocked(g Gap) error {
	rec := Record{Time: time.Now(), Source: SourceForwarder, App: "cairn-logfwd", Severity: SevWarning, Gap: &g}
	payload, err := encodeRecord(&rec)
	if err != nil {
		return err
	}
	if q.cur == nil {
		if err := q.startSegment(); err != nil {
			return err
		}
	}
	_, err = q.appendLocked(payload, 0, rec.Time)
	return err
}

// Ack records that every entry up to seq was delivered and removes the segments that hold
// nothing else. The position is stored, so that a restart resumes after it.
func (q *Queue) Ack(seq uint64) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if seq <= q.acked {
		return nil
	}
	q.acked = min(seq, q.lastSeq)
	for len(q.segs) > 1 && q.segs[0].last <= q.acked {
		s := q.segs[0]
		if err := os.Remove(filepath.Join(q.dir, s.name())); err != nil {
			return fmt.Errorf("remove log queue segment: %w", err)
		}
		q.total -= s.size
		q.segs = q.segs[1:]
	}
	return atomicfile.Write(filepath.Join(q.dir, ackedFile), []byte(strconv.FormatUint(q.acked, 10)+"\n"), 0o600, true)
}

// Sync flushes what was appended to disk.
func (q *Queue) Sync() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.unsynced || q.cur == nil {
		return nil
	}
	q.unsynced = false
	return q.cur.Sync()
}

// Close syncs and closes the queue.
func (q *Queue) Close() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil
	}
	q.closed = true
	if q.cur == nil {
		return nil
	}
	err := q.cur.Sync()
	if cerr := q.cur.Close(); err == nil {
		err = cerr
	}
	return err
}

// Notify is signalled (with a buffer of one) after every append.
func (q *Queue) Notify() <-chan struct{} { return q.notify }

// QueueState is a snapshot of a queue.
type QueueState struct {
	// Acked is the last acknowledged sequence number; Last the last appended.
	Acked, Last uint64
	// Bytes is the queue's size on disk.
	Bytes int64
	// Dropped counts the entries dropped since the queue was opened.
	Dropped uint64
	// LastAuditSeq is the highest audit sequence number ever queued (kept across restarts).
	LastAuditSeq uint64
}

// State returns a snapshot of the queue.
func (q *Queue) State() QueueState {
	q.mu.Lock()
	defer q.mu.Unlock()
	return QueueState{Acked: q.acked, Last: q.lastSeq, Bytes: q.total, Dropped: q.dropped, LastAuditSeq: q.auditHW}
}
