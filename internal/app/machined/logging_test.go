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

// TestFileTail: the tail starts at the end, passes whole lines only, and follows a rotation
// (rename and a new file) after reading the old file to its end.
func TestFileTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	write := func(s string) {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = f.WriteString(s)
		_ = f.Close()
	}
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
