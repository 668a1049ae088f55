package machined

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-os/cairn/internal/pkg/logfwd"
)

func TestKernelRecord(t *testing.T) {
	r := kernelRecord("3,1234,5678901,-;EXT4-fs error (device vda4): bad\n SUBSYSTEM=block\n")
	if r.Severity != logfwd.SevError || r.Message != "EXT4-fs error (device vda4): bad" || r.Source != logfwd.SourceKernel {
		t.Errorf("kernelRecord() = %+v", r)
	}
	if r := kernelRecord("no header"); r.Severity != logfwd.SevInfo {
		t.Errorf("kernelRecord(no header) severity = %d, want info", r.Severity)
	}
}

// FuzzKernelRecord: any /dev/kmsg record becomes a record with a valid severity.
func FuzzKernelRecord(f *testing.F) {
	f.Add("6,1,2,-;hello\n")
	f.Add("-1,x;")
	f.Fuzz(func(t *testing.T, rec string) {
		if r := kernelRecord(rec); r.Severity > 7 || strings.Contains(r.Message, "\n") {
			t.Fatalf("kernelRecord(%q) = %+v", rec, r)
		}
	})
}

func TestLogRecordSeverity(t *testing.T) {
	for line, want := range map[string]logfwd.Severity{
		"time=x level=ERROR msg=boom\n": logfwd.SevError, "level=WARN msg=x": logfwd.SevWarning,
		"level=INFO msg=x": logfwd.SevInfo, "plain": logfwd.SevInfo,
	} {
		if r := logRecord(logfwd.SourceMachined, "machined", "1", []byte(line)); r.Severity != want || strings.HasSuffix(r.Message, "\n") {
			t.Errorf("logRecord(%q) = %+v, want severity %d", line, r, want)
		}
	}
}

// appendFile appends s to the file at path, as kube-apiserver writes its audit log.
func appendFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString(s)
	_ = f.Close()
}

// TestFileTail: the tail starts at the end, passes whole lines only, and follows a rotation
// (rename and a new file) after reading the old file to its end.
func TestFileTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	write := func(s string) { appendFile(t, path, s) }
	var got []string
	collect := func(l []byte) { got = append(got, string(l)) }
	tl := &fileTail{path: path}
	defer tl.close()
	write("old\n")
	if err := tl.poll(collect); err != nil {
		t.Fatal(err)
	}
	write("a\nb")
	_ = tl.poll(collect)
	write("c\n")
	_ = tl.poll(collect)
	write("d\n")
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	write("e\n")
	_ = tl.poll(collect)
	if want := []string{"a", "bc", "d", "e"}; !slices.Equal(got, want) {
		t.Errorf("lines = %q, want %q", got, want)
	}
}

// TestFileTailResumes: a tail with a saved position resumes where the last one stopped: in the
// same file, in the rotated file and then the new one, and in a new file from its start when
// the saved one is gone; with no saved position it starts at the end.
func TestFileTailResumes(t *testing.T) {
	dir := t.TempDir()
	path, pos := filepath.Join(dir, "audit.log"), filepath.Join(dir, "state", "tail.pos")
	write := func(s string) { appendFile(t, path, s) }
	// run is one machined: a tail polled twice, then closed; it returns the lines it passed.
	run := func(between func()) []string {
		var got []string
		tl := &fileTail{path: path, posPath: pos}
		defer tl.close()
		collect := func(l []byte) { got = append(got, string(l)) }
		if err := tl.poll(collect); err != nil {
			t.Fatal(err)
		}
		between()
		if err := tl.poll(collect); err != nil {
			t.Fatal(err)
		}
		return got
	}
	write("before\n")
	check := func(what string, got []string, want ...string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s: lines = %q, want %q", what, got, want)
		}
	}
	check("first start", run(func() { write("a\nb") }), "a")
	write("c\nwhile down\n")
	check("restart", run(func() { write("d\n") }), "bc", "while down", "d")
	write("old end\n")
	if err := os.Rename(path, filepath.Join(dir, "audit-2026-12-03T06-00-00.000.log")); err != nil {
		t.Fatal(err)
	}
	write("new\n")
	check("restart after a rotation", run(func() {}), "old end", "new")
	for _, name := range []string{path, filepath.Join(dir, "audit-2026-12-03T06-00-00.000.log")} {
		if err := os.Remove(name); err != nil {
			t.Fatal(err)
		}
	}
	write("after a wipe\n")
	check("restart after the file is gone", run(func() {}), "after a wipe")
	if err := os.Remove(pos); err != nil {
		t.Fatal(err)
	}
	check("no saved position", run(func() { write("e\n") }), "e")
	if err := os.WriteFile(pos, []byte("dev=x"), 0o600); err != nil {
		t.Fatal(err)
	}
	check("an unreadable position", run(func() { write("f\n") }), "f")
}

// TestKmsgCursor: reading the kernel's buffer again from its start forwards only the records
// that came after the last one forwarded.
func TestKmsgCursor(t *testing.T) {
	var c kmsgCursor
	var got []string
	pass := func(recs ...string) {
		for _, r := range recs {
			if c.next(r) {
				got = append(got, r)
			}
		}
	}
	pass("6,0,0,-;Linux version 6.1", "6,1,10,-;Command line: console=ttyS0")
	pass("6,0,0,-;Linux version 6.1", "6,1,10,-;Command line: console=ttyS0", "4,2,99,-;late", "garbled")
	want := []string{"6,0,0,-;Linux version 6.1", "6,1,10,-;Command line: console=ttyS0", "4,2,99,-;late", "garbled"}
	if !slices.Equal(got, want) {
		t.Errorf("forwarded %q, want %q", got, want)
	}
}
