package audit

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// chain builds n sealed call events starting at seq first, linked to prev.
func chain(first uint64, prev string, n int) []Event {
	var out []Event
	t0 := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		e := Event{
			Seq: first + uint64(i), Time: t0.Add(time.Duration(i) * time.Second), Kind: KindCall,
			Caller: Identity{Subject: "alice", Serial: "01", Roles: []string{"os:admin"}},
			Method: "/cairn.machine.MachineService/Version", Code: "OK", Duration: int64(i),
		}
		e.Seal(prev)
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

func TestVerifyIntactChain(t *testing.T) {
	r, err := Verify(chain(1, "", 5))
	if err != nil {
		t.Fatalf("Verify(intact chain) = %v, want nil", err)
	}
	if r.Count != 5 || r.FirstSeq != 1 || r.LastSeq != 5 || !r.Genesis {
		t.Errorf("Verify(intact chain) report = %+v, want 5 events 1..5 from genesis", r)
	}
}

func TestVerifyFindsFirstBreak(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mutate  func([]Event) []Event
		wantSeq uint64
		wantMsg string
	}{
		{"edited method", func(es []Event) []Event { es[2].Method = "/other"; return es }, 3, "edited"},
		{"edited caller", func(es []Event) []Event { es[1].Caller.Subject = "mallory"; return es }, 2, "edited"},
		{"removed event", func(es []Event) []Event { return append(es[:2:2], es[3:]...) }, 3, "missing"},
		{"reordered", func(es []Event) []Event { es[1], es[2] = es[2], es[1]; return es }, 2, "missing"},
		{"resealed after edit", func(es []Event) []Event { es[2].Method = "/x"; es[2].Seal(es[2].PrevHash); return es }, 4, "does not match the hash"},
		{"stretch without genesis", func(es []Event) []Event { return es[2:] }, 3, "no rotation record"},
		{"bad hash text", func(es []Event) []Event { es[0].Hash = "zz"; return es }, 1, "not a hex SHA-256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Verify(tc.mutate(chain(1, "", 5)))
			var b *Break
			if !errors.As(err, &b) {
				t.Fatalf("Verify = %v, want a *Break", err)
			}
			if b.Seq != tc.wantSeq || !strings.Contains(b.Reason, tc.wantMsg) {
				t.Errorf("Verify = break at %d (%s), want at %d containing %q", b.Seq, b.Reason, tc.wantSeq, tc.wantMsg)
			}
		})
	}
}

func TestVerifyAcceptsRecordedRotation(t *testing.T) {
	all := chain(1, "", 10)
	kept := all[4:]
	rot := Event{Seq: 11, Time: time.Date(2026, 11, 22, 13, 0, 0, 0, time.UTC), Kind: KindRotated,
		Dropped: &Dropped{FromSeq: 1, ToSeq: 4, LastHash: all[3].Hash}}
	rot.Seal(all[9].Hash)
	r, err := Verify(append(kept, rot))
	if err != nil {
		t.Fatalf("Verify(rotated chain) = %v, want nil", err)
	}
	if len(r.Rotations) != 1 || r.Genesis || r.FirstSeq != 5 {
		t.Errorf("report = %+v, want one rotation, first seq 5, not genesis", r)
	}
	// A rotation record that names the wrong hash does not account for the gap.
	rot.Dropped.LastHash = all[2].Hash
	rot.Seal(all[9].Hash)
	if _, err := Verify(append(kept, rot)); err == nil {
		t.Error("Verify(rotation naming the wrong hash) = nil, want a break")
	}
}

func TestDecodeRejects(t *testing.T) {
	good, err := chain(1, "", 1)[0].Encode()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, in, want string
	}{
		{"unknown field", strings.Replace(string(good), `"seq"`, `"extra":1,"seq"`, 1), "unknown field"},
		{"trailing data", string(good) + `{}`, "trailing data"},
		{"no seq", strings.Replace(string(good), `"seq":1`, `"seq":0`, 1), "seq: must be at least 1"},
		{"oversized", `{"note":"` + strings.Repeat("a", MaxEventSize) + `"}`, "more than the limit"},
		{"not json", `seq=1`, "decode audit event"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Decode([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Decode(%.40q) = %v, want error containing %q", tc.in, err, tc.want)
			}
		})
	}
}

func TestEncodeDecodeKeepsHash(t *testing.T) {
	for _, e := range chain(1, "", 3) {
		b, err := e.Encode()
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(b)
		if err != nil {
			t.Fatalf("Decode(Encode(%d)) = %v", e.Seq, err)
		}
		if got.ComputeHash() != e.Hash {
			t.Errorf("hash after round trip of event %d = %s, want %s", e.Seq, got.ComputeHash(), e.Hash)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, e := range chain(1, "", 2) {
		b, _ := e.Encode()
		f.Add(b)
	}
	f.Add([]byte(`{"seq":1,"kind":"call","hash":"` + strings.Repeat("0", 64) + `"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Decode(data)
		if err != nil {
			return
		}
		b, err := e.Encode()
		if err != nil {
			t.Fatalf("Encode after Decode: %v", err)
		}
		again, err := Decode(b)
		if err != nil {
			t.Fatalf("Decode(Encode(Decode(x))) = %v", err)
		}
		if fmt.Sprint(again) != fmt.Sprint(e) || again.ComputeHash() != e.ComputeHash() {
			t.Fatalf("round trip changed the event:\n%+v\n%+v", e, again)
		}
	})
}
