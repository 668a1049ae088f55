package callmeta

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-os/cairn/pkg/machinery/audit"
)

func TestParseNodes(t *testing.T) {
	tests := []struct {
		in   []string
		want []string
		err  string
	}{
		{in: nil, want: nil},
		{in: []string{"127.0.0.2"}, want: []string{"127.0.0.2"}},
		{in: []string{"127.0.0.2, node-b.example", "[::1]:50000"}, want: []string{"127.0.0.2", "node-b.example", "[::1]:50000"}},
		{in: []string{"a,,b"}, err: "nodes: empty node name"},
		{in: []string{"a,a"}, err: `nodes: "a" is listed twice`},
		{in: []string{"bad_host"}, err: `nodes: "bad_host" is not an IP address or host name`},
		{in: []string{"1.2.3.4:99999"}, err: `nodes: "1.2.3.4:99999" has an invalid port`},
		{in: manyNodes(MaxNodes + 1), err: "nodes: more than 64 nodes in one call, the most the proxy accepts"},
	}
	for _, tt := range tests {
		got, err := ParseNodes(tt.in)
		if tt.err != "" {
			if err == nil || !errors.Is(err, ErrInvalid) || err.Error() != "invalid call metadata: "+tt.err {
				t.Errorf("ParseNodes(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || !cmp.Equal(got, tt.want) {
			t.Errorf("ParseNodes(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
}

func manyNodes(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("10.0.%d.%d", i/250, i%250+1)
	}
	return out
}

func TestCheckPorts(t *testing.T) {
	tests := []struct {
		in  []string
		err string
	}{
		{in: nil},
		{in: []string{"127.0.0.2", "node-b.example", "[::1]:50000", "10.0.0.1:50000"}},
		{in: []string{"127.0.0.2", "10.0.0.1:22"}, err: `nodes: "10.0.0.1:22": nodes serve the API on port 50000, the proxy dials no other port`},
	}
	for _, tt := range tests {
		err := CheckPorts(tt.in, 50000)
		if (tt.err == "" && err != nil) || (tt.err != "" && (!errors.Is(err, ErrInvalid) || err.Error() != "invalid call metadata: "+tt.err)) {
			t.Errorf("CheckPorts(%q) = %v, want %q", tt.in, err, tt.err)
		}
	}
}

func TestIdentityRoundTrip(t *testing.T) {
	id := audit.Identity{Subject: "alice", Serial: "12", Fingerprint: "ab", Roles: []string{"os:admin"}, Address: "127.0.0.1:5"}
	got, err := DecodeIdentity(EncodeIdentity(id))
	if err != nil || !cmp.Equal(got, id) {
		t.Errorf("DecodeIdentity(EncodeIdentity(%v)) = %v, %v", id, got, err)
	}
	for _, bad := range []string{"", "!!", EncodeIdentity(audit.Identity{}), "eyJzdWJqZWN0IjoiYSIsIngiOjF9"} {
		if _, err := DecodeIdentity(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("DecodeIdentity(%q) error = %v, want ErrInvalid", bad, err)
		}
	}
}

func FuzzParseNodes(f *testing.F) {
	f.Add("127.0.0.2,127.0.0.3")
	f.Add("[::1]:1,host.example")
	f.Fuzz(func(t *testing.T, s string) {
		nodes, err := ParseNodes([]string{s})
		if err != nil {
			return
		}
		for _, n := range nodes {
			if checkNode(n) != nil {
				t.Errorf("ParseNodes(%q) returned invalid node %q", s, n)
			}
		}
	})
}

func FuzzDecodeIdentity(f *testing.F) {
	f.Add(EncodeIdentity(audit.Identity{Subject: "a", Roles: []string{"os:reader"}}))
	f.Fuzz(func(t *testing.T, s string) {
		id, err := DecodeIdentity(s)
		if err != nil {
			return
		}
		again, err := DecodeIdentity(EncodeIdentity(id))
		if err != nil || !cmp.Equal(again, id) {
			t.Errorf("round trip of %v = %v, %v", id, again, err)
		}
	})
}
