package sdboot

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFileNames(t *testing.T) {
	for _, tc := range []struct {
		name         string
		slot         string
		gen, left, d int
		status       string
	}{
		{"cairn-1-a.conf", "a", 1, -1, 0, "good"},
		{"cairn-2-b+3.conf", "b", 2, 3, 0, "trial"},
		{"cairn-2-b+2-1.conf", "b", 2, 2, 1, "trial"},
		{"cairn-12-a+0-3.conf", "a", 12, 0, 3, "bad"},
	} {
		e, err := ParseFileName(tc.name)
		if err != nil || e.Slot != tc.slot || e.Generation != tc.gen || e.TriesLeft != tc.left || e.TriesDone != tc.d || e.Status() != tc.status {
			t.Errorf("ParseFileName(%q) = %+v, %v", tc.name, e, err)
		}
		if e.FileName() != tc.name {
			t.Errorf("FileName() = %q; want %q", e.FileName(), tc.name)
		}
	}
	for _, bad := range []string{"cairn-0-a.conf", "cairn-1-c.conf", "cairn-1-a", "other.conf", "cairn-1-a+.conf", "cairn-01-a.conf", "cairn-1-a+1-.conf"} {
		if _, err := ParseFileName(bad); err == nil {
			t.Errorf("ParseFileName(%q) accepted", bad)
		}
	}
}

func FuzzParseFileName(f *testing.F) {
	f.Add("cairn-2-b+2-1.conf")
	f.Fuzz(func(t *testing.T, name string) {
		e, err := ParseFileName(name)
		if err == nil && e.FileName() != name {
			t.Fatalf("%q parsed as %+v, which is named %q", name, e, e.FileName())
		}
	})
}

func newESP(t *testing.T) ESP {
	p := ESP{Dir: t.TempDir()}
	if err := os.MkdirAll(filepath.Join(p.Dir, EntriesDir), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestUpgradeCycle walks the entries through an install, an upgrade on trial, its blessing,
// a rollback (the new entry marked bad) and the next upgrade into the same slot.
func TestUpgradeCycle(t *testing.T) {
	p := newESP(t)
	a := Entry{Slot: "a", Generation: 1, TriesLeft: -1, Version: "v1", Options: []string{"console=ttyS0", "cairn.slot=a"}}
	must(t, p.AddEntry(a))
	b := Entry{Slot: "b", Generation: 2, TriesLeft: 3, Version: "v2", Options: []string{"cairn.slot=b"}}
	must(t, p.WriteFile(KernelPath("b"), strings.NewReader("kernel")))
	must(t, p.AddEntry(b))
	es, err := p.Entries()
	if err != nil || len(es) != 2 || es[0].ID() != "cairn-2-b" || es[0].Status() != "trial" || es[1].Version != "v1" ||
		strings.Join(es[1].Options, " ") != "console=ttyS0 cairn.slot=a" {
		t.Fatalf("Entries() = %+v, %v", es, err)
	}
	b, err = p.Bless(es[0])
	must(t, err)
	if got := ls(t, p); got != "cairn-1-a.conf cairn-2-b.conf" {
		t.Errorf("after Bless: %s", got)
	}
	_, err = p.MarkBad(b)
	must(t, err)
	if got := ls(t, p); got != "cairn-1-a.conf cairn-2-b+0-1.conf" {
		t.Errorf("after MarkBad: %s", got)
	}
	must(t, p.RemoveSlot("b"))
	if got := ls(t, p); got != "cairn-1-a.conf" {
		t.Errorf("after RemoveSlot: %s", got)
	}
	if _, err := os.Stat(filepath.Join(p.Dir, KernelPath("b"))); !os.IsNotExist(err) {
		t.Errorf("slot b's kernel left behind: %v", err)
	}
}

func TestRender(t *testing.T) {
	e := Entry{Slot: "b", Generation: 7, TriesLeft: 3, Version: "v0.2.0", Options: []string{"console=ttyS0", "cairn.slot=b"}}
	want := "title Cairn v0.2.0 (slot B)\nsort-key cairn\nversion 7\nlinux /cairn/b/vmlinuz\ninitrd /cairn/b/initramfs\noptions console=ttyS0 cairn.slot=b\n"
	if got := string(e.Render()); got != want {
		t.Errorf("Render() =\n%s\nwant\n%s", got, want)
	}
}

func ls(t *testing.T, p ESP) string {
	t.Helper()
	des, err := os.ReadDir(filepath.Join(p.Dir, EntriesDir))
	must(t, err)
	var names []string
	for _, d := range des {
		names = append(names, d.Name())
	}
	return strings.Join(names, " ")
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestDamagedEntry: an entry file that a power cut left empty, or that names no kernel or no
// Cairn version, reads back as damaged (systemd-boot cannot boot it), not as a slot on trial.
func TestDamagedEntry(t *testing.T) {
	p := newESP(t)
	dir := filepath.Join(p.Dir, EntriesDir)
	for name, body := range map[string]string{
		"cairn-2-b+3.conf": "",
		"cairn-3-a+3.conf": "title Cairn v3 (slot A)\noptions x\n",
		"cairn-4-b+3.conf": "title something\nlinux /cairn/b/vmlinuz\n",
	} {
		must(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	must(t, p.AddEntry(Entry{Slot: "a", Generation: 1, TriesLeft: -1, Version: "v1"}))
	es, err := p.Entries()
	must(t, err)
	want := map[int]string{4: "the entry's title names no Cairn version", 3: "the entry names no kernel", 2: "the entry file is empty", 1: ""}
	for _, e := range es {
		if e.Damaged != want[e.Generation] {
			t.Errorf("entry %s: Damaged = %q, want %q", e.ID(), e.Damaged, want[e.Generation])
		}
		if st := e.Status(); (st == "damaged") != (want[e.Generation] != "") {
			t.Errorf("entry %s: Status() = %s", e.ID(), st)
		}
	}
}
