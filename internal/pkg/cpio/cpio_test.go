package cpio

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	ucpio "github.com/u-root/u-root/pkg/cpio"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func sample(t *testing.T) *Archive {
	t.Helper()
	a := NewArchive()
	for _, err := range []error{
		a.AddFile("lib/modules/x/kernel/loop.ko", 0o644, []byte("module")),
		a.AddFile("init", 0o755, []byte("#binary")),
		a.AddSymlink("sbin/init", "../init"),
		a.Add(Entry{Name: "dev/console", Mode: TypeChar | 0o600, RdevMajor: 5, RdevMinor: 1}),
		a.AddDir("lib", 0o755),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return a
}

func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if _, err := sample(t).WriteTo(&buf, 1700000000); err != nil {
		t.Fatal(err)
	}
	recs, err := ucpio.ReadAllRecords(ucpio.Newc.Reader(bytes.NewReader(buf.Bytes())))
	if err != nil {
		t.Fatal(err)
	}
	var got []Entry
	for _, r := range recs {
		data, err := io.ReadAll(io.NewSectionReader(r, 0, int64(r.FileSize)))
		if err != nil {
			t.Fatal(err)
		}
		if r.Ino == 0 || r.MTime != 1700000000 || r.UID != 0 || r.GID != 0 {
			t.Errorf("record %s: ino %d mtime %d uid %d gid %d, want ino > 0, mtime 1700000000, root", r.Name, r.Ino, r.MTime, r.UID, r.GID)
		}
		got = append(got, Entry{Name: r.Name, Mode: uint32(r.Mode), Data: data, RdevMajor: uint32(r.Rmajor), RdevMinor: uint32(r.Rminor)})
	}
	want := sample(t).Entries()
	if diff := cmp.Diff(want, got, cmp.Transformer("nilData", func(b []byte) string { return string(b) })); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}
}

// TestGolden pins the bytes of the sample archive (newc as the kernel reads it); regenerate
// with -update after a deliberate change.
func TestGolden(t *testing.T) {
	var buf bytes.Buffer
	if _, err := sample(t).WriteTo(&buf, 1700000000); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "sample.cpio")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("sample archive differs from %s:\n%q\nwant\n%q", golden, buf.Bytes(), want)
	}
}

func TestDeterministic(t *testing.T) {
	sum := func() [32]byte {
		var buf bytes.Buffer
		if _, err := sample(t).WriteTo(&buf, 42); err != nil {
			t.Fatal(err)
		}
		return sha256.Sum256(buf.Bytes())
	}
	if a, b := sum(), sum(); a != b {
		t.Errorf("two writes of the same archive differ: %x != %x", a, b)
	}
}

func TestAddRejects(t *testing.T) {
	for _, name := range []string{"", "/", "a/../b", "a//b", "./a", "a\x00b"} {
		if err := NewArchive().AddFile(name, 0o644, nil); err == nil {
			t.Errorf("AddFile(%q) = nil, want error", name)
		}
	}
	a := NewArchive()
	if err := a.AddFile("x", 0o644, nil); err != nil {
		t.Fatal(err)
	}
	if err := a.AddFile("x", 0o644, nil); err == nil {
		t.Error("adding x twice = nil, want error")
	}
}
