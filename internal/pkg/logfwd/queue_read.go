package logfwd

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"time"
)

// errEnd is the clean end of a segment: no partial frame after the last one.
var errEnd = errors.New("end of segment")

// frame is one queued entry as read from a segment.
type frame struct {
	seq, auditSeq uint64
	unixNano      int64
	payload       []byte // valid until the next read
}

// frameReader reads frames from a segment file from an offset.
type frameReader struct {
	r   *bufio.Reader
	off int64
	buf []byte
}

// newFrameReader reads f from off up to limit (the end of the last complete frame).
func newFrameReader(f *os.File, off, limit int64) *frameReader {
	return &frameReader{r: bufio.NewReaderSize(io.NewSectionReader(f, off, limit-off), 64<<10), off: off}
}

// next reads and checks one frame. A partial or damaged frame is an error other than errEnd.
func (fr *frameReader) next() (frame, error) {
	var hdr [frameHeader]byte
	n, err := io.ReadFull(fr.r, hdr[:])
	switch {
	case n == 0 && errors.Is(err, io.EOF):
		return frame{}, errEnd
	case err != nil:
		return frame{}, fmt.Errorf("partial frame header at %d", fr.off)
	}
	size := binary.BigEndian.Uint32(hdr[0:])
	if size > maxPayload {
		return frame{}, fmt.Errorf("frame at %d claims %d bytes", fr.off, size)
	}
	if cap(fr.buf) < int(size) {
		fr.buf = make([]byte, size)
	}
	fr.buf = fr.buf[:size]
	if _, err := io.ReadFull(fr.r, fr.buf); err != nil {
		return frame{}, fmt.Errorf("partial frame at %d", fr.off)
	}
	crc := crc32.Update(crc32.Checksum(hdr[8:], castagnoli), castagnoli, fr.buf)
	if crc != binary.BigEndian.Uint32(hdr[4:]) {
		return frame{}, fmt.Errorf("frame at %d fails its checksum", fr.off)
	}
	fr.off += int64(frameHeader) + int64(size)
	return frame{
		seq:      binary.BigEndian.Uint64(hdr[8:]),
		auditSeq: binary.BigEndian.Uint64(hdr[16:]),
		unixNano: int64(binary.BigEndian.Uint64(hdr[24:])),
		payload:  fr.buf,
	}, nil
}

// Entry is one queued entry as Read passes it; Payload is valid only during the call.
type Entry struct {
	Seq, AuditSeq uint64
	Time          time.Time
	Payload       []byte
}

// Cursor is a reader's position in a queue: the next sequence number it wants and where it
// was found. The zero value reads from the oldest entry after the acknowledged one.
type Cursor struct {
	Next uint64
	seg  uint64
	off  int64
}

// Rewind moves the cursor back to the entry after the acknowledged one, for a resend.
func (c *Cursor) Rewind(acked uint64) { *c = Cursor{Next: acked + 1} }

// Read calls fn for queued entries from c.Next on, oldest first, until about maxBytes of
// payload were passed or nothing more is queued, and advances c. Entries dropped while the
// reader lagged are skipped (a gap record after them names them).
func (q *Queue) Read(c *Cursor, maxBytes int, fn func(Entry) error) error {
	for read := 0; read < maxBytes; {
		seg, size, ok := q.locate(c)
		if !ok {
			return nil
		}
		n, err := q.readSegment(c, seg, size, maxBytes-read, fn)
		read += n
		if errors.Is(err, os.ErrNotExist) {
			c.seg = 0 // dropped under us: start again at the oldest segment left
			continue
		}
		if err != nil || n == 0 {
			return err
		}
	}
	return nil
}

// locate places the cursor in the segment that holds c.Next and says how much of it is
// complete; ok is false when nothing from c.Next on is queued.
func (q *Queue) locate(c *Cursor) (seg *segment, size int64, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.segs) == 0 {
		return nil, 0, false
	}
	c.Next = max(c.Next, q.acked+1, q.segs[0].first)
	if c.Next > q.lastSeq {
		return nil, 0, false
	}
	for i, s := range q.segs {
		c.Next = max(c.Next, s.first) // entries between segments were lost (a gap names them)
		if c.Next <= s.last {
			if c.seg != s.first {
				c.seg, c.off = s.first, segHeaderLen
			}
			cp := *q.segs[i]
			return &cp, s.size, true
		}
	}
	return nil, 0, false
}

func (q *Queue) readSegment(c *Cursor, s *segment, size int64, budget int, fn func(Entry) error) (int, error) {
	f, err := os.Open(filepath.Join(q.dir, s.name()))
	if err != nil {
		return 0, err
	}
	defer func() { _ = f.Close() }()
	r := newFrameReader(f, c.off, size)
	read := 0
	for read < budget {
		fr, err := r.next()
		if errors.Is(err, errEnd) {
			if c.Next <= s.last {
				// The segment ended before the entries it should hold: damaged since it was
				// scanned. What it lacks is lost; say so rather than loop.
				return read, fmt.Errorf("log queue segment %s ends before entry %d", s.name(), c.Next)
			}
			return read, nil
		}
		if err != nil {
			return read, fmt.Errorf("log queue segment %s: %w", s.name(), err)
		}
		c.off = r.off
		if fr.seq < c.Next {
			continue
		}
		c.Next = fr.seq + 1
		read += len(fr.payload)
		if err := fn(Entry{Seq: fr.seq, AuditSeq: fr.auditSeq, Time: time.Unix(0, fr.unixNano), Payload: fr.payload}); err != nil {
			return read, err
		}
		if c.Next > s.last {
			return max(read, 1), nil
		}
	}
	return read, nil
}

// Oldest returns the time of the oldest entry not yet acknowledged, or the zero time.
func (q *Queue) Oldest() time.Time {
	var t time.Time
	c := Cursor{}
	_ = q.Read(&c, 1, func(e Entry) error {
		t = e.Time
		return nil
	})
	return t
}
