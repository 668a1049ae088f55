package inventory

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// goProgram builds a small FIPS Go program into out.
func goProgram(t *testing.T, out string) {
	t.Helper()
	dir := t.TempDir()
	for name, data := range map[string]string{
		"main.go": "package main\n\nfunc main() { println(\"fixture\") }\n",
		"go.mod":  "module example.com/fixture\n\ngo 1.26\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-B 0x0102", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFIPS140=certified", "GOFLAGS=-buildvcs=false")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
}

func write(t *testing.T, p, data string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
}

// fixture: a Go program, a copy of it without execute bits (as a shared library is), a
// script, a data file, and links out of the root that must not be followed.
func fixture(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	goProgram(t, filepath.Join(root, "sbin/prog"))
	data, err := os.ReadFile(filepath.Join(root, "sbin/prog"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(root, "usr/lib/libfake.so"), string(data), 0o644)
	write(t, filepath.Join(root, "usr/bin/script"), "#!/bin/sh\necho hi\n", 0o755)
	write(t, filepath.Join(root, "etc/config"), "data", 0o644)
	outside := t.TempDir()
	write(t, filepath.Join(outside, "secret-tool"), "#!/bin/sh\n", 0o755)
	for link, target := range map[string]string{"usr/bin/escape": filepath.Join(outside, "secret-tool"), "outside": outside} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestScan(t *testing.T) {
	root := fixture(t)
	inv, err := Scan(context.Background(), root, map[string]string{"/sbin/prog": "cairn"}, DefaultLimits)
	if err != nil {
		t.Fatalf("Scan = %v", err)
	}
	var paths []string
	for _, b := range inv.Binaries {
		paths = append(paths, b.Path)
	}
	if diff := cmp.Diff([]string{"/sbin/prog", "/usr/bin/script", "/usr/lib/libfake.so"}, paths); diff != "" {
		t.Errorf("Scan paths (-want +got):\n%s", diff)
	}
	if inv.Truncated != "" {
		t.Errorf("Scan truncated: %s", inv.Truncated)
	}
	prog := inv.Binaries[0]
	if prog.Origin != "cairn" || prog.Mode != "0755" || len(prog.SHA256) != 64 || prog.Size == 0 {
		t.Errorf("prog = origin %q mode %s sha256 %q size %d", prog.Origin, prog.Mode, prog.SHA256, prog.Size)
	}
	if prog.ELF == nil || prog.ELF.BuildID != "0102" || prog.ELF.Go == nil {
		t.Fatalf("prog ELF = %+v, want build-id 0102 and Go build info", prog.ELF)
	}
	if fips := prog.ELF.Go.Setting("GOFIPS140"); !strings.HasPrefix(fips, "v1.0.0") {
		t.Errorf("prog GOFIPS140 = %q, want the certified module v1.0.0-...", fips)
	}
	if godebug := prog.ELF.Go.Setting("DefaultGODEBUG"); !strings.Contains(godebug, "fips140=on") {
		t.Errorf("prog DefaultGODEBUG = %q, want fips140=on", godebug)
	}
	if s := inv.Binaries[1]; s.ELF != nil || len(s.SHA256) != 64 {
		t.Errorf("script = %+v, want a digest and no ELF information", s)
	}
}

func TestScanLimits(t *testing.T) {
	root := fixture(t)
	inv, err := Scan(context.Background(), root, nil, Limits{Entries: 1000, Binaries: 1, FileSize: 1 << 30})
	if err != nil || len(inv.Binaries) != 1 || !strings.Contains(inv.Truncated, "executables") {
		t.Errorf("Scan(1 binary) = %d binaries, truncated %q, %v; want 1 and a note", len(inv.Binaries), inv.Truncated, err)
	}
	inv, err = Scan(context.Background(), root, nil, Limits{Entries: 3, Binaries: 100, FileSize: 1 << 30})
	if err != nil || !strings.Contains(inv.Truncated, "entries") {
		t.Errorf("Scan(3 entries) truncated %q, %v; want a note", inv.Truncated, err)
	}
	inv, err = Scan(context.Background(), root, nil, Limits{Entries: 1000, Binaries: 100, FileSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range inv.Binaries {
		if b.Size > 100 && (b.SHA256 != "" || !strings.Contains(b.Error, "not hashed")) {
			t.Errorf("%s (%d bytes) over the file limit: sha256 %q, error %q", b.Path, b.Size, b.SHA256, b.Error)
		}
	}
}

func TestOrigins(t *testing.T) {
	doc := `{"bomFormat":"CycloneDX","metadata":{"component":{"type":"application","name":"cairn-image","components":[
		{"type":"file","name":"/etc/os-release","properties":[{"name":"cairn:origin","value":"generated"}]}]}},
		"components":[{"type":"library","name":"libc6","components":[
		{"type":"file","name":"/usr/lib/libc.so.6","properties":[{"name":"cairn:size","value":"1"},{"name":"cairn:origin","value":"debian:libc6"}]}]},
		{"type":"application","name":"x","properties":[{"name":"cairn:origin","value":"not a file"}]}]}`
	got, err := Origins([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"/etc/os-release": "generated", "/usr/lib/libc.so.6": "debian:libc6"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Origins (-want +got):\n%s", diff)
	}
	if _, err := Origins([]byte("{")); err == nil {
		t.Error("Origins(truncated) = nil error")
	}
}

// FuzzOrigins: the SBOM file is read from the root at run time; whatever it holds, reading
// it must end with a map or an error.
func FuzzOrigins(f *testing.F) {
	f.Add([]byte(`{"components":[{"type":"file","name":"/a","properties":[{"name":"cairn:origin","value":"x"}]}]}`))
	f.Add([]byte(`{"metadata":{"component":{"components":[{"components":[]}]}}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(_ *testing.T, data []byte) {
		_, _ = Origins(data)
	})
}

// TestScanCancelled: a scan whose caller went away ends with its context's error, before its
// first file or within the hashing of a large one, and lists nothing.
func TestScanCancelled(t *testing.T) {
	root := t.TempDir()
	big := make([]byte, 8<<20)
	copy(big, "\x7fELF")
	if err := os.WriteFile(filepath.Join(root, "big"), big, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if inv, err := Scan(ctx, root, nil, DefaultLimits); !errors.Is(err, context.Canceled) || inv != nil {
		t.Errorf("Scan(cancelled) = %v, %v; want context.Canceled and nothing", inv, err)
	}
	f, err := os.Open(filepath.Join(root, "big"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	reads := 0
	ctx, cancel = context.WithCancel(context.Background())
	r := ctxReader{ctx, readFunc(func(p []byte) (int, error) {
		if reads++; reads == 2 {
			cancel()
		}
		return f.Read(p[:min(len(p), 4096)])
	})}
	if _, err := io.Copy(io.Discard, r); !errors.Is(err, context.Canceled) || reads != 2 {
		t.Errorf("hashing read on after its context ended: %d reads, %v", reads, err)
	}
}

type readFunc func([]byte) (int, error)

func (f readFunc) Read(p []byte) (int, error) { return f(p) }
