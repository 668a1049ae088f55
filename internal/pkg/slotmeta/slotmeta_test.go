package slotmeta

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func meta(t *testing.T) *os.File {
	f, err := os.Create(filepath.Join(t.TempDir(), "meta"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	if err := f.Truncate(1 << 20); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestWriteRead(t *testing.T) {
	f := meta(t)
	r, err := Read(f)
	if err != nil || r.Seq != 0 || len(r.Slots) != 0 {
		t.Fatalf("new META: %+v, %v", r, err)
	}
	now := time.Date(2026, 12, 2, 16, 0, 0, 0, time.UTC)
	r.Slots["a"] = Slot{Version: "v1", Signer: "abc", RootHash: "00", Written: now}
	must(t, Write(f, r))
	r.Slots["b"] = Slot{Version: "v2", Signer: "abc", Written: now.Add(time.Hour)}
	must(t, Write(f, r))
	got, err := Read(f)
	if err != nil || got.Seq != 2 || got.Slots["b"].Version != "v2" || got.Slots["a"].Version != "v1" {
		t.Fatalf("Read = %+v, %v", got, err)
	}
	// A torn write of the newer copy (copy 0 holds seq 2) leaves the older one.
	if _, err := f.WriteAt([]byte("garbage"), 10); err != nil {
		t.Fatal(err)
	}
	got, err = Read(f)
	if err != nil || got.Seq != 1 || got.Slots["b"].Version != "" || got.Slots["a"].Version != "v1" {
		t.Errorf("Read after a torn copy = %+v, %v; want the previous record", got, err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"record":{"seq":1,"slots":{}},"sha256":"x"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, ok := decode(b); ok && r.Slots == nil {
			t.Fatal("decoded a record without slots")
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
