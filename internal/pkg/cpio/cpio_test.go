package cpio

import (
	"bytes"
	"crypto/sha256"
	"testing"

	"github.com/google/go-cmp/cmp"
)

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
	got, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range got {
		names = append(names, e.Name)
	}
	want := []string{"dev", "dev/console", "init", "lib", "lib/modules", "lib/modules/x", "lib/modules/x/kernel", "lib/modules/x/kernel/loop.ko", "sbin", "sbin/init"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("Read(WriteTo()) names (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(sample(t).Entries(), got, cmp.Transformer("nilData", func(b []byte) string { return string(b) })); diff != "" {
		t.Errorf("Read(WriteTo()) entries (-want +got):\n%s", diff)
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

func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	a := NewArchive()
	_ = a.AddFile("a/b", 0o644, []byte("hello"))
	_, _ = a.WriteTo(&buf, 1)
	f.Add(buf.Bytes())
	f.Add([]byte("070701"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, e := range entries {
			if len(e.Data) > len(data) {
				t.Fatalf("entry %q has %d bytes of data from a %d byte input", e.Name, len(e.Data), len(data))
			}
		}
	})
}
