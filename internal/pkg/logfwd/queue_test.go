package logfwd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func logRecord(i int) *Record {
	return &Record{Time: time.Unix(int64(i), 0), Source: SourceMachined, App: "machined", Message: fmt.Sprintf("line %d %s", i, strings.Repeat("x", 100))}
}

// readAll reads every entry after the acknowledged one.
func readAll(t *testing.T, q *Queue) []Record {
	t.Helper()
	var out []Record
	c := Cursor{}
	for {
		n := len(out)
		err := q.Read(&c, 1<<20, func(e Entry) error {
			r, err := decodeRecord(e.Payload)
			out = append(out, r)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(out) == n {
			return out
		}
	}
}

func TestQueuePersistsAndAcks(t *testing.T) {
	dir := t.TempDir()
	q, err := OpenQueue(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 100; i++ {
		if seq, err := q.Append(logRecord(i)); err != nil || seq != uint64(i) {
			t.Fatalf("Append(%d) = %d, %v", i, seq, err)
		}
	}
	if err := q.Ack(40); err != nil {
		t.Fatal(err)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	q, err = OpenQueue(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = q.Close() }()
	got := readAll(t, q)
	if len(got) != 60 || got[0].Message != logRecord(41).Message {
		t.Fatalf("after reopening, read %d entries starting %q; want 60 from line 41", len(got), got[0].Message)
	}
	if seq, err := q.Append(logRecord(101)); err != nil || seq != 101 {
		t.Fatalf("Append after reopening = %d, %v; want 101", seq, err)
	}
}

// TestQueueFullDropsOldestWithGap: a full queue drops its oldest segment and appends a gap
// record naming the entries and the audit events among them.
func TestQueueFullDropsOldestWithGap(t *testing.T) {
	q, err := OpenQueue(t.TempDir(), 160<<10) // 8 segments of 20 KiB
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = q.Close() }()
	for i := uint64(1); i <= 2000; i++ {
		r := AuditRecord(testEvent(i), "1")
		if _, err := q.Append(&r); err != nil {
			t.Fatal(err)
		}
	}
	st := q.State()
	if st.Bytes > 160<<10 || st.Dropped == 0 || st.LastAuditSeq != 2000 {
		t.Fatalf("state = %+v, want at most 160 KiB, some dropped, last audit 2000", st)
	}
	// Every audit event arrives, or a gap names it, never both. (A gap that drops an older
	// gap record names that one's events too, so two gaps may name the same event.)
	covered, delivered := make([]int, 2001), make([]bool, 2001)
	var gaps uint64
	for _, r := range readAll(t, q) {
		switch {
		case r.Gap != nil:
			g := r.Gap
			if g.Count == 0 || g.FromSeq > g.ToSeq || g.AuditFrom == 0 || g.AuditTo < g.AuditFrom || g.Reason != "the queue was full" {
				t.Errorf("gap %+v is inconsistent", g)
			}
			gaps += g.Count
			for s := g.AuditFrom; s <= g.AuditTo; s++ {
				covered[s]++
			}
		case r.Audit != nil:
			delivered[r.Audit.Seq] = true
		}
	}
	for s := 1; s <= 2000; s++ {
		if delivered[s] == (covered[s] > 0) {
			t.Fatalf("audit event %d: delivered %v, named by %d gaps; want one or the other", s, delivered[s], covered[s])
		}
	}
	if gaps != st.Dropped {
		t.Errorf("gaps name %d entries, the queue dropped %d", gaps, st.Dropped)
	}
}

// TestQueueTornTail: a crash in the middle of a write leaves a partial frame, which is cut
// off; a damaged frame before the end loses the rest of its segment and a gap says so.
func TestQueueTornTail(t *testing.T) {
	dir := t.TempDir()
	q, err := OpenQueue(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 10; i++ {
		if _, err := q.Append(logRecord(i)); err != nil {
			t.Fatal(err)
		}
	}
	_ = q.Close()
	seg := filepath.Join(dir, fmt.Sprintf("%020d.seg", 1))
	data, _ := os.ReadFile(seg)
	if err := os.WriteFile(seg, data[:len(data)-7], 0o600); err != nil {
		t.Fatal(err)
	}
	q, err = OpenQueue(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, q)
	if len(got) != 9 || got[8].Message != logRecord(9).Message {
		t.Fatalf("after a torn write, read %d entries; want the 9 complete ones", len(got))
	}
	if seq, _ := q.Append(logRecord(11)); seq != 10 {
		t.Errorf("next sequence number = %d, want 10 (the torn one never existed)", seq)
	}
	_ = q.Close()

	data, _ = os.ReadFile(seg)
	data[segHeaderLen+frameHeader+3] ^= 0xff // damage entry 1's payload
	if err := os.WriteFile(seg, data, 0o600); err != nil {
		t.Fatal(err)
	}
	q, err = OpenQueue(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = q.Close() }()
	got = readAll(t, q)
	last := got[len(got)-1]
	if last.Gap == nil || last.Gap.FromSeq != 1 || last.Gap.ToSeq != 9 || last.Gap.Count != 9 {
		t.Fatalf("after damage, last record = %+v; want a gap for entries 1 to 9", last)
	}
}

// FuzzOpenQueue opens a queue whose segment holds arbitrary bytes: it must open, read and
// append without panicking, whatever the file says.
func FuzzOpenQueue(f *testing.F) {
	dir := f.TempDir()
	q, err := OpenQueue(dir, 1<<20)
	if err != nil {
		f.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		_, _ = q.Append(logRecord(i))
	}
	_ = q.Close()
	good, _ := os.ReadFile(filepath.Join(dir, fmt.Sprintf("%020d.seg", 1)))
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte("CQS1\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%020d.seg", 1)), data, 0o600); err != nil {
			t.Fatal(err)
		}
		q, err := OpenQueue(dir, 1<<20)
		if err != nil {
			return
		}
		defer func() { _ = q.Close() }()
		c := Cursor{}
		_ = q.Read(&c, 1<<20, func(Entry) error { return nil })
		if _, err := q.Append(logRecord(1)); err != nil {
			t.Fatalf("Append after opening a damaged queue: %v", err)
		}
	})
}
