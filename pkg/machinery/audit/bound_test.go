package audit

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBound(t *testing.T) {
	many := make([]string, 500)
	for i := range many {
		many[i] = "os:reader"
	}
	for _, tc := range []struct {
		name          string
		in            Event
		want          Event
		wantTruncated bool
	}{
		{"small event unchanged", Event{Caller: Identity{Subject: "alice", Roles: []string{"os:admin"}}}, Event{Caller: Identity{Subject: "alice", Roles: []string{"os:admin"}}}, false},
		{"long subject", Event{Caller: Identity{Subject: strings.Repeat("a", 300)}},
			Event{Caller: Identity{Subject: strings.Repeat("a", 256-len(truncatedMark)) + truncatedMark}}, true},
		{"many roles", Event{Caller: Identity{Subject: "x", Roles: many}},
			Event{Caller: Identity{Subject: "x", Roles: append(many[:15:15], "485 more entries truncated")}}, true},
		{"unverified claims kept shorter", Event{Unverified: true, Caller: Identity{Subject: strings.Repeat("a", 200), Roles: many}},
			Event{Unverified: true, Caller: Identity{Subject: strings.Repeat("a", 128-len(truncatedMark)) + truncatedMark, Roles: append(many[:7:7], "493 more entries truncated")}}, true},
		{"invalid UTF-8", Event{Method: "a\xffb"}, Event{Method: "a\uFFFDb"}, true},
		{"rune not split", Event{Note: strings.Repeat("é", 2000)},
			Event{Note: strings.Repeat("é", (2048-len(truncatedMark))/2) + truncatedMark}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.in
			e.Bound()
			tc.want.Truncated = tc.wantTruncated
			if diff := cmp.Diff(tc.want, e); diff != "" {
				t.Errorf("Bound() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBoundDoesNotChangeCallersSlices(t *testing.T) {
	roles := []string{strings.Repeat("r", 300)}
	e := Event{Caller: Identity{Roles: roles}}
	e.Bound()
	if len(roles[0]) != 300 {
		t.Errorf("Bound changed the caller's slice: role is %d bytes, want 300", len(roles[0]))
	}
}

// FuzzBound: whatever a peer puts in its certificate, the bounded event fits the limit and
// its hash survives the round trip through the stored form.
func FuzzBound(f *testing.F) {
	f.Add("alice", "os:admin", 1, 10)
	f.Add(strings.Repeat("\xff", 300), strings.Repeat("o", 200), 400, 300)
	f.Fuzz(func(t *testing.T, subject, role string, roles, nodes int) {
		e := Event{Seq: 1, Kind: KindCall, Caller: Identity{Subject: subject}, Method: role}
		for range min(max(roles, 0), 2000) {
			e.Caller.Roles = append(e.Caller.Roles, role)
		}
		for range min(max(nodes, 0), 2000) {
			e.Nodes = append(e.Nodes, subject)
		}
		e.Via = []Identity{e.Caller, e.Caller, e.Caller, e.Caller, e.Caller}
		e.Bound()
		e.Seal("")
		b, err := e.Encode()
		if err != nil || len(b) >= MaxEventSize {
			t.Fatalf("bounded event: %d bytes, %v; want under %d", len(b), err, MaxEventSize)
		}
		got, err := Decode(b)
		if err != nil || got.ComputeHash() != e.Hash {
			t.Fatalf("round trip of a bounded event: %v, hash kept: %v", err, err == nil && got.ComputeHash() == e.Hash)
		}
	})
}
