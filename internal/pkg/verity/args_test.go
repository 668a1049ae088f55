package verity

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/cairn-os/cairn/internal/pkg/cmdline"
)

// TestRootHashChanges: a flipped byte anywhere in the data gives another root hash and
// salt; the same data gives the same bytes (reproducible builds).
func TestRootHashChanges(t *testing.T) {
	size := int64(129*4096 + 7)
	file, p := slot(t, size, 3)
	again, q := slot(t, size, 3)
	a, _ := os.ReadFile(file)
	b, _ := os.ReadFile(again)
	if !bytes.Equal(a, b) || p.String() != q.String() {
		t.Fatalf("two builds of the same data differ: %v vs %v", p, q)
	}
	for _, at := range []int64{0, 4096 * 100, size - 1} {
		data := bytes.Clone(a[:size])
		data[at] ^= 0x80
		r, err := Build(discard{}, bytes.NewReader(data), size)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(r.RootHash, p.RootHash) {
			t.Errorf("byte %d flipped: root hash unchanged %x", at, r.RootHash)
		}
	}
}

type discard struct{}

func (discard) WriteAt(b []byte, _ int64) (int, error) { return len(b), nil }

func TestBuildRefuses(t *testing.T) {
	if _, err := Build(discard{}, bytes.NewReader(nil), 0); err == nil || !strings.Contains(err.Error(), "data size 0") {
		t.Errorf("Build(0 bytes) = %v, want an error naming the size", err)
	}
	_, err := Build(discard{}, bytes.NewReader(make([]byte, 100)), 8192)
	if err == nil || !strings.Contains(err.Error(), "read data") {
		t.Errorf("Build(short reader) = %v, want a read error", err)
	}
}

const (
	hexA = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	hexB = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
)

func TestParseArgs(t *testing.T) {
	good := "cairn.verity.roothash=" + hexA + " cairn.verity.salt=" + hexB + " cairn.verity.hashoffset=8192"
	p, err := ParseArgs(cmdline.Parse("console=ttyS0 " + good).Get)
	if err != nil || p.HashOffset != 8192 || p.DataBlocks != 2 || p.String() != "roothash="+hexA+" salt="+hexB+" hashoffset=8192 datablocks=2" {
		t.Fatalf("ParseArgs(%q) = %v, %v", good, p, err)
	}
	if got := strings.Join(p.KernelArgs(), " "); got != good {
		t.Errorf("KernelArgs() = %q, want %q", got, good)
	}
	for _, tc := range []struct{ line, want string }{
		{"", "cairn.verity.roothash: missing\ncairn.verity.salt: missing\ncairn.verity.hashoffset: missing"},
		{strings.Replace(good, hexA, hexA[:63], 1), `cairn.verity.roothash: "` + hexA[:63] + `" is not 64 lowercase hex digits`},
		{strings.Replace(good, hexB, strings.ToUpper(hexB), 1), `cairn.verity.salt: "FEDC`},
		{strings.Replace(good, "=8192", "=8193", 1), "cairn.verity.hashoffset: 8193 is not a multiple of 4096"},
		{strings.Replace(good, "=8192", "=+8192", 1), `cairn.verity.hashoffset: "+8192" is not a positive decimal`},
		{strings.Replace(good, "=8192", "=08192", 1), `"08192" is not a positive decimal`},
		{strings.Replace(good, "=8192", "=0", 1), `"0" is not a positive decimal`},
		{strings.Replace(good, "=8192", "=9999999999999999", 1), "is not a multiple of 4096"},
		{strings.Replace(good, "=8192", "=2199023259648", 1), "2199023259648 is beyond 1099511627776 bytes"},
		{good + " cairn.verity.salt=", `cairn.verity.salt: "" is not 64`},
	} {
		if _, err := ParseArgs(cmdline.Parse(tc.line).Get); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseArgs(%q) = %v, want an error containing %q", tc.line, err, tc.want)
		}
	}
}

// FuzzParseArgs: any command line either parses into parameters whose kernel arguments parse
// back to the same, or fails with an error naming a verity parameter.
func FuzzParseArgs(f *testing.F) {
	f.Add("cairn.verity.roothash=" + hexA + " cairn.verity.salt=" + hexB + " cairn.verity.hashoffset=4096")
	f.Add("cairn.verity.hashoffset=18446744073709551616 cairn.verity.salt=zz")
	f.Fuzz(func(t *testing.T, line string) {
		p, err := ParseArgs(cmdline.Parse(line).Get)
		if err != nil {
			if !strings.Contains(err.Error(), "cairn.verity.") {
				t.Fatalf("ParseArgs(%q) error %q names no parameter", line, err)
			}
			return
		}
		if p.HashOffset <= 0 || p.HashOffset%BlockSize != 0 || len(p.RootHash) != DigestSize || len(p.Salt) != DigestSize {
			t.Fatalf("ParseArgs(%q) = %v: out of range", line, p)
		}
		q, err := ParseArgs(cmdline.Parse(strings.Join(p.KernelArgs(), " ")).Get)
		if err != nil || q.String() != p.String() {
			t.Fatalf("round trip of %v = %v, %v", p, q, err)
		}
	})
}
