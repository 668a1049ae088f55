package etcdops

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
)

func TestCheckRemoval(t *testing.T) {
	three := []Member{{ID: 1, Name: "a"}, {ID: 2, Name: "b"}, {ID: 3, Name: "c"}}
	two := three[:2]
	withLearner := append(append([]Member{}, two...), Member{ID: 9, Name: "l", Learner: true})
	up := func(ids ...uint64) map[uint64]bool {
		m := map[uint64]bool{}
		for _, id := range ids {
			m[id] = true
		}
		return m
	}
	for _, tc := range []struct {
		name    string
		members []Member
		healthy map[uint64]bool
		target  uint64
		want    error
		text    string
	}{
		{"dead member of three", three, up(1, 2), 3, nil, ""},
		{"healthy member of three, all up", three, up(1, 2, 3), 2, nil, ""},
		{"healthy member of three, one down", three, up(1, 2), 2, ErrRefused, "would lose quorum: 1 healthy voting member(s) would remain of 2"},
		{"healthy member of two", two, up(1, 2), 2, nil, ""},
		{"member of two, other down", two, up(1), 2, ErrRefused, "only 1 of 2 voting members are healthy"},
		{"last member", two[:1], up(1), 1, ErrRefused, "last voting member"},
		{"learner", withLearner, up(1), 9, nil, ""},
		{"not a member", three, up(1, 2, 3), 0xabc, ErrNotFound, "member ID abc is not in the member list (members: 1 (a), 2 (b), 3 (c))"},
		{"learner does not count toward quorum", withLearner, up(1, 9), 2, ErrRefused, "only 1 of 2"},
	} {
		err := CheckRemoval(tc.members, tc.healthy, tc.target)
		if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.text)) {
			t.Errorf("%s: CheckRemoval(%x) = %v, want %v containing %q", tc.name, tc.target, err, tc.want, tc.text)
		}
	}
}

func TestParseID(t *testing.T) {
	for in, want := range map[string]uint64{"8e9e05c52164694d": 0x8e9e05c52164694d, "0xA": 10, "1": 1} {
		if got, err := ParseID(in); err != nil || got != want {
			t.Errorf("ParseID(%q) = %x, %v, want %x", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "xyz", "-1", "10000000000000000", "node-1"} {
		if _, err := ParseID(in); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), fmt.Sprintf("%q", in)) {
			t.Errorf("ParseID(%q) = %v, want an invalid-argument error naming it", in, err)
		}
	}
}

// Answers as etcd v3.6.16's gateway writes them.
const (
	memberList = `{"header":{"cluster_id":"324952591200643719", "member_id":"3319814642761637952", "raft_term":"2"}, "members":[{"ID":"3319814642761637952", "name":"default", "peerURLs":["http://127.0.0.1:23800"], "clientURLs":["http://127.0.0.1:23790"]},{"ID":"12","isLearner":true}]}`
	statusJSON = `{"header":{"cluster_id":"324952591200643719", "member_id":"3319814642761637952", "revision":"1", "raft_term":"2"}, "version":"3.6.16", "dbSize":"20480", "leader":"3319814642761637952", "raftIndex":"4", "raftTerm":"2", "raftAppliedIndex":"4", "dbSizeInUse":"16384", "storageVersion":"3.6.0", "dbSizeQuota":"2147483648", "downgradeInfo":{}}`
	alarmsJSON = `{"header":{"member_id":"1"},"alarms":[{"memberID":"3319814642761637952","alarm":"NOSPACE"},{"memberID":"5"}]}`
)

func TestParsers(t *testing.T) {
	self, ms, err := parseMembers([]byte(memberList))
	if err != nil || self != 3319814642761637952 || len(ms) != 2 || ms[0].Name != "default" || !ms[1].Learner || ms[0].IDString() != "2e1259d415f2a040" {
		t.Errorf("parseMembers = %x, %+v, %v", self, ms, err)
	}
	s := Status{Member: Member{ID: 3319814642761637952}}
	if err := parseStatus([]byte(statusJSON), &s); err != nil || !s.Leader || s.RaftIndex != 4 || s.DBSize != 20480 || s.Version != "3.6.16" || !s.Healthy() {
		t.Errorf("parseStatus = %+v, %v", s, err)
	}
	other := Status{Member: Member{ID: 7}}
	if err := parseStatus([]byte(statusJSON), &other); err == nil || !strings.Contains(err.Error(), "answered for member 7") {
		t.Errorf("parseStatus of another member's answer = %v", err)
	}
	a, err := parseAlarms([]byte(alarmsJSON))
	if err != nil || len(a) != 1 || a[0].Alarm != "NOSPACE" || a[0].MemberID != 3319814642761637952 {
		t.Errorf("parseAlarms = %+v, %v", a, err)
	}
	for _, bad := range []string{`{"header":{"member_id":"x"}}`, `{"members":[{"ID":"1"}]}`, `{"header":{"member_id":"1"},"members":[{"name":"n"}]}`, `[`} {
		if _, _, err := parseMembers([]byte(bad)); err == nil {
			t.Errorf("parseMembers(%s): no error", bad)
		}
	}
}

// stream encodes blobs as the gateway streams a snapshot.
func stream(blobs ...[]byte) []byte {
	var b bytes.Buffer
	for _, blob := range blobs {
		fmt.Fprintf(&b, "{\"result\":{\"blob\":%q,\"version\":\"3.6.0\"}}\n", base64.StdEncoding.EncodeToString(blob))
	}
	return b.Bytes()
}

func TestReadSnapshot(t *testing.T) {
	db1, db2 := bytes.Repeat([]byte{1}, 40000), bytes.Repeat([]byte{2}, 1000)
	sum := sha256.Sum256(append(append([]byte{}, db1...), db2...))
	good := stream(db1, db2, sum[:])
	var out bytes.Buffer
	n, err := readSnapshot(bytes.NewReader(good), &out, func() {})
	if err != nil || n != 41032 || !bytes.Equal(out.Bytes()[41000:], sum[:]) {
		t.Fatalf("readSnapshot(good) = %d, %v", n, err)
	}
	for name, tc := range map[string]struct {
		in   []byte
		text string
	}{
		"no checksum":    {stream(db1, db2), "without etcd's sha256"},
		"wrong checksum": {stream(db1, db2, make([]byte, 32)), "the snapshot is corrupt"},
		"cut in a line":  {good[:len(good)-30], "decode a stream message"},
		"empty":          {nil, "before any database"},
		"etcd error":     {[]byte(`{"error":{"code":14,"message":"etcdserver: stopped"}}`), "etcdserver: stopped"},
		"neither":        {[]byte(`{}`), "neither result nor error"},
		"huge line":      {bytes.Repeat([]byte("a"), maxSnapshotLine+1), "token too long"},
	} {
		if _, err := readSnapshot(bytes.NewReader(tc.in), &bytes.Buffer{}, func() {}); err == nil || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("readSnapshot(%s) = %v, want an error containing %q", name, err, tc.text)
		}
	}
}

func FuzzParseMembers(f *testing.F) {
	f.Add([]byte(memberList))
	f.Add([]byte(`{"header":{"member_id":1},"members":[{"ID":1e3}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		self, ms, err := parseMembers(data)
		if err == nil && (self == 0 || len(ms) > len(data)) {
			t.Errorf("parseMembers(%q) = %x, %d members", data, self, len(ms))
		}
		for _, m := range ms {
			if m.ID == 0 {
				t.Errorf("parseMembers(%q): a member without ID", data)
			}
		}
	})
}

func FuzzParseStatus(f *testing.F) {
	f.Add([]byte(statusJSON), uint64(3319814642761637952))
	f.Add([]byte(`{"header":{"member_id":"18446744073709551616"}}`), uint64(0))
	f.Fuzz(func(t *testing.T, data []byte, id uint64) {
		s := Status{Member: Member{ID: id}}
		if err := parseStatus(data, &s); err == nil && s.Leader && s.LeaderID == 0 {
			t.Errorf("parseStatus(%q): leader without leader ID", data)
		}
	})
}

func FuzzParseAlarms(f *testing.F) {
	f.Add([]byte(alarmsJSON))
	f.Add([]byte(`{"alarms":[{"memberID":"-1","alarm":"CORRUPT"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		as, err := parseAlarms(data)
		for _, a := range as {
			if err == nil && (a.MemberID == 0 || a.Alarm == "") {
				t.Errorf("parseAlarms(%q) = %+v", data, as)
			}
		}
	})
}

func FuzzReadSnapshot(f *testing.F) {
	sum := sha256.Sum256([]byte("database"))
	f.Add(stream([]byte("database"), sum[:]))
	f.Add([]byte(`{"error":{"message":"x"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var out bytes.Buffer
		n, err := readSnapshot(bytes.NewReader(data), &out, func() {})
		if int64(out.Len()) != n {
			t.Errorf("readSnapshot wrote %d bytes, says %d", out.Len(), n)
		}
		if err == nil {
			b := out.Bytes()
			if s := sha256.Sum256(b[:n-32]); !bytes.Equal(s[:], b[n-32:]) {
				t.Errorf("readSnapshot(%q) accepted a stream whose checksum does not match", data)
			}
		}
	})
}

func FuzzParseID(f *testing.F) {
	f.Add("8e9e05c52164694d")
	f.Add("0x0")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseID(s)
		if err == nil {
			if back, err := ParseID(FormatID(id)); err != nil || back != id {
				t.Errorf("ParseID(FormatID(%x)) = %x, %v", id, back, err)
			}
		}
	})
}

// TestCopySnapshot: a snapshot whose trailer is the sha256 of its database passes; truncated,
// extended, altered or empty ones are refused, whatever the read sizes.
func TestCopySnapshot(t *testing.T) {
	db := bytes.Repeat([]byte("bolt page "), 20000)
	sum := sha256.Sum256(db)
	good := append(slices.Clone(db), sum[:]...)
	altered := slices.Clone(good)
	altered[100] ^= 1
	for _, tc := range []struct {
		name string
		data []byte
		ok   bool
	}{
		{"good", good, true},
		{"truncated", good[:len(good)-1000], false},
		{"trailer cut", good[:len(good)-1], false},
		{"extended", append(slices.Clone(good), 0), false},
		{"altered", altered, false},
		{"only a sum", sum[:], false},
		{"empty", nil, false},
	} {
		for _, step := range []int{1, 7, 4096, 1 << 20} {
			var out bytes.Buffer
			n, err := CopySnapshot(&out, &stepReader{data: tc.data, step: step})
			if (err == nil) != tc.ok || n != int64(len(tc.data)) || !bytes.Equal(out.Bytes(), tc.data) {
				t.Errorf("%s (reads of %d): CopySnapshot = %d, %v; want ok=%v after copying all %d bytes", tc.name, step, n, err, tc.ok, len(tc.data))
			}
		}
	}
}

// stepReader returns at most step bytes per Read.
type stepReader struct {
	data []byte
	step int
}

func (r *stepReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), r.step)], r.data)
	r.data = r.data[n:]
	return n, nil
}

// FuzzCopySnapshot: whatever the bytes, CopySnapshot copies all of them and accepts exactly
// those whose last 32 bytes are the sha256 of a non-empty rest.
func FuzzCopySnapshot(f *testing.F) {
	db := []byte("a database")
	sum := sha256.Sum256(db)
	f.Add(append(slices.Clone(db), sum[:]...), 3)
	f.Add(sum[:], 1)
	f.Add([]byte{}, 5)
	f.Fuzz(func(t *testing.T, data []byte, step int) {
		step = max(1, step%70000)
		var out bytes.Buffer
		n, err := CopySnapshot(&out, &stepReader{data: data, step: step})
		valid := len(data) > sha256.Size
		if valid {
			s := sha256.Sum256(data[:len(data)-sha256.Size])
			valid = bytes.Equal(s[:], data[len(data)-sha256.Size:])
		}
		if (err == nil) != valid || n != int64(len(data)) || !bytes.Equal(out.Bytes(), data) {
			t.Fatalf("CopySnapshot(%d bytes, reads of %d) = %d, %v; valid %v", len(data), step, n, err, valid)
		}
	})
}
