package auditlog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cairn-os/cairn/pkg/machinery/audit"
)

// refused is a call refused before the peer authenticated, with a certificate from a foreign
// CA that names roles of the given total size.
func refused(addr string, orgBytes int) audit.Event {
	var orgs []string
	for n := 0; n < orgBytes; n += 100 {
		orgs = append(orgs, strings.Repeat("o", 99)+fmt.Sprint(n%10))
	}
	return audit.Event{
		Kind: audit.KindCall, Unverified: true, Code: "Unauthenticated", Method: "/cairn.machine.MachineService/Version",
		Caller: audit.Identity{Subject: "intruder", Address: addr, Roles: orgs},
	}
}

func TestHugeIdentityIsTruncatedNotDropped(t *testing.T) {
	l := open(t, t.TempDir(), testOptions)
	e := call("/cairn.machine.MachineService/Version")
	e.Caller.Subject = strings.Repeat("s", 70<<10)
	e.Caller.Roles = refused("", 70<<10).Caller.Roles
	got, err := l.Append(e)
	if err != nil {
		t.Fatalf("Append(70 KB identity) = %v, want it stored truncated", err)
	}
	events := readAll(t, l)
	if len(events) != 1 || !events[0].Truncated || events[0].Seq != got.Seq {
		t.Fatalf("stored events = %d (truncated: %v), want one event marked truncated", len(events), len(events) > 0 && events[0].Truncated)
	}
	if n := len(events[0].Caller.Roles); n != 16 || !strings.HasSuffix(events[0].Caller.Roles[15], "more entries truncated") {
		t.Errorf("stored roles: %d, last %q; want 16 ending with a count of the rest", n, events[0].Caller.Roles[n-1])
	}
	if _, err := audit.Verify(events); err != nil {
		t.Errorf("Verify(truncated event) = %v", err)
	}
}

func TestRefusalFloodKeepsAuthenticatedHistory(t *testing.T) {
	dir := t.TempDir()
	opts := testOptions
	opts.SegmentBytes, opts.MaxSegments = 16<<10, 3
	l := open(t, dir, opts)
	appendN(t, l, 5)
	for i := 0; i < 2000; i++ {
		if _, err := l.Append(refused(fmt.Sprintf("192.0.2.7:%d", 40000+i), 50<<10)); err != nil {
			t.Fatalf("Append(refusal %d) = %v", i, err)
		}
	}
	if err := l.Tick(); err != nil {
		t.Fatal(err)
	}
	events := readAll(t, l)
	if _, err := audit.Verify(events); err != nil {
		t.Fatalf("Verify = %v", err)
	}
	if events[0].Seq != 1 || len(events) < 5 || events[4].Caller.Subject != "alice" {
		t.Fatalf("the authenticated events 1..5 were pushed out: the log starts at seq %d", events[0].Seq)
	}
	var full, counted uint64
	for _, e := range events {
		switch e.Kind {
		case audit.KindCall:
			if e.Unverified {
				full++
			}
		case audit.KindRefusals:
			counted += e.Refusals.Count
		}
	}
	if full != fullPerSource || counted != 2000-fullPerSource {
		t.Errorf("refusals: %d written in full and %d counted, want %d and %d", full, counted, fullPerSource, 2000-fullPerSource)
	}
}

func TestRefusalsFromManySourcesAreBounded(t *testing.T) {
	opts := testOptions
	opts.MaxSources = 4
	l := open(t, t.TempDir(), opts)
	for i := 0; i < 100; i++ {
		if _, err := l.Append(refused(fmt.Sprintf("198.51.100.%d:1000", i), 0)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Tick(); err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Verify(readAll(t, l))
	if err != nil {
		t.Fatal(err)
	}
	// 4 in full (one per source), one aggregate for the other sources, and the periodic
	// anchor Tick writes.
	if rep.Count != 6 || rep.Refused != 96 || rep.RefusalEvents != 1 {
		t.Errorf("report = %d events, %d refusals counted in %d aggregates; want 6 events: 4 in full, 96 counted in one aggregate, an anchor", rep.Count, rep.Refused, rep.RefusalEvents)
	}
}

func TestUnreadFollowerIsNotCutOff(t *testing.T) {
	l := open(t, t.TempDir(), testOptions)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	release := make(chan struct{})
	got := make(chan uint64, 5000)
	done := make(chan error, 1)
	go func() {
		done <- l.Follow(ctx, 1, func(e audit.Event) error {
			<-release
			got <- e.Seq
			return nil
		})
	}()
	appendN(t, l, 3000) // more than any per-follower buffer would hold
	close(release)
	for want := uint64(1); want <= 3000; want++ {
		select {
		case seq := <-got:
			if seq != want {
				t.Fatalf("Follow delivered seq %d, want %d", seq, want)
			}
		case err := <-done:
			t.Fatalf("Follow ended at seq %d: %v, want every event delivered", want, err)
		case <-time.After(30 * time.Second):
			t.Fatalf("Follow did not deliver seq %d", want)
		}
	}
}

func TestFollowersAreBounded(t *testing.T) {
	opts := testOptions
	opts.MaxFollowers = 2
	l := open(t, t.TempDir(), opts)
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{}, 2)
	done := make(chan error, 2)
	for range 2 {
		go func() {
			done <- l.Follow(ctx, 1, func(audit.Event) error { started <- struct{}{}; return nil })
		}()
	}
	appendN(t, l, 1)
	<-started
	<-started
	err := l.Follow(ctx, 1, func(audit.Event) error { return nil })
	if !errors.Is(err, ErrTooManyFollowers) {
		t.Errorf("third Follow = %v, want ErrTooManyFollowers", err)
	}
	cancel()
	<-done
	<-done
	if err := l.Follow(canceled(), 1, func(audit.Event) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("Follow after the others ended = %v, want it admitted (then canceled)", err)
	}
}

func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func TestBootRecordSaysWhetherHistoryWasFound(t *testing.T) {
	dir := t.TempDir()
	l := open(t, dir, testOptions)
	first, err := l.Boot("b1")
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, l, 2)
	_ = l.Close() // no shutdown record: a crash
	l = open(t, dir, testOptions)
	second, err := l.Boot("b2")
	if err != nil {
		t.Fatal(err)
	}
	if *first.Boot != (audit.Boot{ID: "b1"}) || !strings.Contains(first.Note, "no earlier history") {
		t.Errorf("first boot = %+v %q, want no prior history", first.Boot, first.Note)
	}
	if *second.Boot != (audit.Boot{ID: "b2", PriorEvents: 3}) || !strings.Contains(second.Note, "WITHOUT a shutdown record") {
		t.Errorf("second boot = %+v %q, want prior history up to 3 without a shutdown record", second.Boot, second.Note)
	}
}

func TestOpenKeepsWhatALargerRetentionKept(t *testing.T) {
	dir := t.TempDir()
	opts := testOptions
	opts.SegmentBytes, opts.MaxSegments = 1024, 100
	l := open(t, dir, opts)
	appendN(t, l, 100)
	_ = l.Close()
	opts.MaxSegments = 2
	l = open(t, dir, opts)
	appendN(t, l, 1)
	if events := readAll(t, l); events[0].Seq != 1 {
		t.Errorf("after reopening with a smaller retention the log starts at seq %d, want 1 until SetRetention", events[0].Seq)
	}
	l.SetRetention(2 * 1024)
	appendN(t, l, 20)
	if events := readAll(t, l); events[0].Seq == 1 {
		t.Error("SetRetention(2 segments) removed nothing, want the oldest segments rotated out")
	}
}
