package auditlog

import (
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-os/cairn/pkg/machinery/audit"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// testSigner is a node certificate from a fresh OS CA, and that CA as roots.
func testSigner(t *testing.T) (*audit.Signer, *x509.CertPool) {
	t.Helper()
	ca, err := pki.NewCA(pki.Request{CommonName: "os-ca"})
	if err != nil {
		t.Fatal(err)
	}
	kp, err := ca.Issue(pki.Request{CommonName: "node-a", Usage: pki.ServerAuth})
	if err != nil {
		t.Fatal(err)
	}
	return &audit.Signer{Cert: kp.Certificate, Key: kp.PrivateKey}, ca.CertPool()
}

// testOptions keep the timer off so that only the test writes.
var testOptions = Options{SegmentBytes: 1 << 20, MaxSegments: 4, Node: "node-a", Window: -1}

// bootLog opens the log, sets the signer and writes the boot record, as machined does.
func bootLog(t *testing.T, dir string, opts Options, s *audit.Signer) *Log {
	t.Helper()
	l := open(t, dir, opts)
	if err := l.SetSigner(s, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Boot("boot-1"); err != nil {
		t.Fatal(err)
	}
	return l
}

// verifyRead anchors the log as a reader's request does and verifies what it reads strictly.
func verifyRead(t *testing.T, l *Log, roots *x509.CertPool) (audit.Report, error) {
	t.Helper()
	a, err := l.Anchor("read")
	if err != nil {
		t.Fatalf("Anchor: %v", err)
	}
	v := audit.Verifier{Roots: roots}
	var addErr error
	err = l.ReadRange(1, a.Seq, func(e audit.Event) error {
		if addErr == nil {
			addErr = v.Add(e)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("ReadRange: %v", err)
	}
	rep, finErr := v.Finish()
	if addErr != nil {
		return rep, addErr
	}
	return rep, finErr
}

func segmentLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.SplitAfter(strings.TrimSuffix(string(data), "\n"), "\n")
}

func writeLines(t *testing.T, path string, lines []string) {
	t.Helper()
	text := strings.Join(lines, "")
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// rehash edits event i with edit and re-seals it and every event after it, the way someone who
// can write the state but does not hold the node's key would hide an edit.
func rehash(t *testing.T, lines []string, i int, edit func(*audit.Event)) []string {
	t.Helper()
	prev := ""
	out := make([]string, len(lines))
	for j, line := range lines {
		e, err := audit.Decode([]byte(strings.TrimSuffix(line, "\n")))
		if err != nil {
			t.Fatal(err)
		}
		if j == i {
			edit(&e)
		}
		if j >= i {
			e.Seq = uint64(j) + 1 // the lines are the log from its start
			e.Seal(prev)
		}
		prev = e.Hash
		b, _ := e.Encode()
		out[j] = string(b) + "\n"
	}
	return out
}

func TestIntactSignedChainVerifies(t *testing.T) {
	s, roots := testSigner(t)
	dir := t.TempDir()
	l := bootLog(t, dir, testOptions, s)
	appendN(t, l, 3)
	if err := l.Shutdown("test"); err != nil {
		t.Fatal(err)
	}
	l = bootLog(t, dir, testOptions, s)
	appendN(t, l, 2)
	rep, err := verifyRead(t, l, roots)
	if err != nil {
		t.Fatalf("verify(intact chain over two runs) = %v", err)
	}
	want := []audit.BootRecord{{Seq: 1, Boot: audit.Boot{ID: "boot-1"}}, {Seq: 6, Boot: audit.Boot{ID: "boot-1", PriorEvents: 5, PriorClean: true}}}
	if len(rep.Boots) != 2 || rep.Boots[0] != want[0] || rep.Boots[1] != want[1] {
		t.Errorf("boots = %+v, want %+v", rep.Boots, want)
	}
}

func TestRewrittenChainFailsVerify(t *testing.T) {
	for _, tc := range []struct {
		name string
		// rewrite gets the lines of the single segment after a clean shutdown.
		rewrite func(t *testing.T, lines []string) []string
		want    string
	}{
		{"edit and rehash", func(t *testing.T, lines []string) []string {
			return rehash(t, lines, 2, func(e *audit.Event) { e.Caller.Subject = "mallory" })
		}, "does not match the chain"},
		{"edit, drop the anchors after it, rehash", func(t *testing.T, lines []string) []string {
			return rehash(t, lines[:4], 2, func(e *audit.Event) { e.Caller.Subject = "mallory" })
		}, "without a shutdown record"},
		{"delete the last events", func(_ *testing.T, lines []string) []string {
			return lines[:len(lines)-2]
		}, "without a shutdown record"},
		{"replace the beginning", func(t *testing.T, lines []string) []string {
			return rehash(t, lines[1:5], 0, func(*audit.Event) {})
		}, "without a shutdown record"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, roots := testSigner(t)
			dir := t.TempDir()
			l := bootLog(t, dir, testOptions, s)
			appendN(t, l, 4)
			if err := l.Shutdown("test"); err != nil {
				t.Fatal(err)
			}
			seg := filepath.Join(dir, segmentName(1))
			writeLines(t, seg, tc.rewrite(t, segmentLines(t, seg)))
			l = bootLog(t, dir, testOptions, s)
			_, err := verifyRead(t, l, roots)
			var b *audit.Break
			if !errors.As(err, &b) || !strings.Contains(b.Reason, tc.want) {
				t.Fatalf("verify(%s) = %v, want a break containing %q", tc.name, err, tc.want)
			}
		})
	}
}

func TestTailCutWhileRunningFailsVerify(t *testing.T) {
	s, roots := testSigner(t)
	dir := t.TempDir()
	l := bootLog(t, dir, testOptions, s)
	appendN(t, l, 5)
	seg := filepath.Join(dir, segmentName(1))
	lines := segmentLines(t, seg)
	writeLines(t, seg, lines[:len(lines)-2])
	_, err := verifyRead(t, l, roots)
	var b *audit.Break
	if !errors.As(err, &b) || !strings.Contains(b.Reason, "missing") {
		t.Fatalf("verify(cut tail) = %v, want a break naming missing events", err)
	}
}

func TestForeignSignerFailsVerify(t *testing.T) {
	s, _ := testSigner(t)
	_, otherRoots := testSigner(t)
	l := bootLog(t, t.TempDir(), testOptions, s)
	appendN(t, l, 2)
	_, err := verifyRead(t, l, otherRoots)
	var b *audit.Break
	if !errors.As(err, &b) || !strings.Contains(b.Reason, "not by a certificate of the trusted OS CA") {
		t.Fatalf("verify(anchors by another CA's certificate) = %v, want a break naming the CA", err)
	}
}

func TestCorruptSegmentIsQuarantined(t *testing.T) {
	s, roots := testSigner(t)
	dir := t.TempDir()
	opts := testOptions
	opts.SegmentBytes, opts.MaxSegments = 4096, 100
	l := bootLog(t, dir, opts, s)
	appendN(t, l, 40)
	if err := l.Shutdown("test"); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "audit-*.jsonl"))
	if len(files) < 3 {
		t.Fatalf("%d segments, want at least 3 for this test", len(files))
	}
	lines := segmentLines(t, files[1])
	lines[1] = "{" + lines[1][2:] // one byte that breaks the JSON
	writeLines(t, files[1], lines)

	l, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("Open(log with a corrupt segment) = %v, want the node to boot", err)
	}
	t.Cleanup(func() { _ = l.Close() })
	if err := l.SetSigner(s, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Boot("boot-2"); err != nil {
		t.Fatal(err)
	}
	moved, _ := filepath.Glob(filepath.Join(dir, quarantineDir, "audit-*"))
	if len(moved) != 2 {
		t.Errorf("quarantine holds %v, want the corrupt segment and the one before it", moved)
	}
	rep, err := verifyRead(t, l, roots)
	if err != nil {
		t.Fatalf("verify after quarantine = %v, want the recorded gap to account for it", err)
	}
	next, _ := parseSegmentName(filepath.Base(files[2]))
	if len(rep.Gaps) != 1 || rep.Gaps[0].FromSeq != 1 || rep.Gaps[0].ToSeq != next-1 {
		t.Errorf("gaps = %+v, want one gap 1..%d", rep.Gaps, next-1)
	}
}

func TestCorruptNewestSegmentIsQuarantined(t *testing.T) {
	dir := t.TempDir()
	l := open(t, dir, testOptions)
	appendN(t, l, 3)
	_ = l.Close()
	seg := filepath.Join(dir, segmentName(1))
	lines := segmentLines(t, seg)
	lines[2] = "not json\n"
	writeLines(t, seg, lines)
	l = open(t, dir, testOptions)
	events := readAll(t, l)
	if len(events) != 1 || events[0].Kind != audit.KindGap || events[0].Seq != 3 || events[0].Dropped.ToSeq != 2 {
		t.Fatalf("events after quarantine = %+v, want one gap record at seq 3 for events 1..2", events)
	}
	appendN(t, l, 1)
	if _, err := audit.Verify(readAll(t, l)); err != nil {
		t.Errorf("Verify after quarantine = %v", err)
	}
}
