package auditlog

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-os/cairn/pkg/machinery/audit"
)

func call(method string) audit.Event {
	return audit.Event{Kind: audit.KindCall, Caller: audit.Identity{Subject: "alice", Roles: []string{"os:admin"}}, Method: method, Code: "OK"}
}

func open(t *testing.T, dir string, opts Options) *Log {
	t.Helper()
	l, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("Open(%s) = %v", dir, err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func appendN(t *testing.T, l *Log, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if _, err := l.Append(call("/cairn.machine.MachineService/Version")); err != nil {
			t.Fatalf("Append: %v", err)
		}
	}
}

func readAll(t *testing.T, l *Log) []audit.Event {
	t.Helper()
	var out []audit.Event
	if err := l.Read(1, func(e audit.Event) error { out = append(out, e); return nil }); err != nil {
		t.Fatalf("Read: %v", err)
	}
	return out
}

func TestChainSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	l := open(t, dir, DefaultOptions)
	appendN(t, l, 3)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = open(t, dir, DefaultOptions)
	appendN(t, l, 2)
	events := readAll(t, l)
	r, err := audit.Verify(events)
	if err != nil {
		t.Fatalf("Verify after restart = %v", err)
	}
	if r.Count != 5 || !r.Genesis {
		t.Errorf("report = %+v, want 5 events from genesis", r)
	}
}

func TestRotationIsRecordedAndVerifies(t *testing.T) {
	dir := t.TempDir()
	opts := Options{SegmentBytes: 2048, MaxSegments: 3, Node: "n1"}
	l := open(t, dir, opts)
	appendN(t, l, 200)
	files, _ := filepath.Glob(filepath.Join(dir, "audit-*.jsonl"))
	if len(files) > opts.MaxSegments {
		t.Errorf("%d segment files, want at most %d", len(files), opts.MaxSegments)
	}
	events := readAll(t, l)
	r, err := audit.Verify(events)
	if err != nil {
		t.Fatalf("Verify(rotated log) = %v", err)
	}
	if r.Genesis || len(r.Rotations) == 0 {
		t.Errorf("report = %+v, want rotations and no genesis", r)
	}
	last, _ := l.Last()
	if r.LastSeq != last || last <= 200 {
		t.Errorf("last seq = %d (log says %d), want above 200: the rotation events are in the chain", r.LastSeq, last)
	}
}

func TestTornWriteIsCutAndRecorded(t *testing.T) {
	dir := t.TempDir()
	l := open(t, dir, DefaultOptions)
	appendN(t, l, 2)
	l.Close()
	seg := filepath.Join(dir, segmentName(1))
	f, err := os.OpenFile(seg, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"seq":3,"kind":"ca`)
	f.Close()

	l = open(t, dir, DefaultOptions)
	events := readAll(t, l)
	if _, err := audit.Verify(events); err != nil {
		t.Fatalf("Verify after recovery = %v", err)
	}
	if got := events[len(events)-1]; got.Kind != audit.KindRecovered || !strings.Contains(got.Note, "19 bytes") {
		t.Errorf("last event = %+v, want an audit.recovered event naming 19 bytes", got)
	}
}

func TestEditOnDiskIsDetected(t *testing.T) {
	dir := t.TempDir()
	l := open(t, dir, DefaultOptions)
	appendN(t, l, 4)
	l.Close()
	seg := filepath.Join(dir, segmentName(1))
	data, _ := os.ReadFile(seg)
	lines := strings.SplitAfter(string(data), "\n")
	lines[2] = strings.Replace(lines[2], `"subject":"alice"`, `"subject":"bobby"`, 1)
	os.WriteFile(seg, []byte(strings.Join(lines, "")), 0o600)

	l = open(t, dir, DefaultOptions)
	_, err := audit.Verify(readAll(t, l))
	var b *audit.Break
	if !errors.As(err, &b) || b.Seq != 3 {
		t.Fatalf("Verify(edited log) = %v, want a break at seq 3", err)
	}
}

func TestFollowHasNoGap(t *testing.T) {
	l := open(t, t.TempDir(), DefaultOptions)
	appendN(t, l, 5)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan uint64, 100)
	done := make(chan error, 1)
	go func() {
		done <- l.Follow(ctx, 2, func(e audit.Event) error { got <- e.Seq; return nil })
	}()
	appendN(t, l, 5)
	for want := uint64(2); want <= 10; want++ {
		select {
		case seq := <-got:
			if seq != want {
				t.Fatalf("Follow delivered seq %d, want %d", seq, want)
			}
		case err := <-done:
			t.Fatalf("Follow ended early: %v", err)
		case <-time.After(10 * time.Second):
			t.Fatalf("Follow did not deliver seq %d", want)
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Follow after cancel = %v, want context.Canceled", err)
	}
}

func TestOpenRejectsBadOptions(t *testing.T) {
	if _, err := Open(t.TempDir(), Options{SegmentBytes: 10, MaxSegments: 1}); err == nil {
		t.Error("Open(MaxSegments 1) = nil error, want one")
	}
}
