package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-os/cairn/internal/app/imager"
	"github.com/cairn-os/cairn/internal/pkg/cpio"
)

// TestReadNewc reads an archive written by the imager's own cpio writer.
func TestReadNewc(t *testing.T) {
	a := cpio.NewArchive()
	for _, e := range []cpio.Entry{
		{Name: "lib", Mode: cpio.TypeDir | 0o755},
		{Name: "init", Mode: cpio.TypeRegular | 0o755, Data: bytes.Repeat([]byte("x"), 4097)},
		{Name: "lib/a.ko", Mode: cpio.TypeRegular | 0o644, Data: []byte("abc")},
		{Name: "sbin", Mode: cpio.TypeSymlink | 0o777, Data: []byte("lib")},
	} {
		if err := a.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := a.WriteTo(&buf, 0); err != nil {
		t.Fatal(err)
	}
	got, err := readNewc(&buf)
	if err != nil {
		t.Fatal(err)
	}
	want := []file{{path: "/init", size: 4097}, {path: "/lib/a.ko", size: 3}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(file{})); diff != "" {
		t.Errorf("readNewc() differs (-want +got):\n%s", diff)
	}
	if _, err := readNewc(bytes.NewReader([]byte("070707"))); err == nil {
		t.Error("readNewc(a truncated header) = nil error")
	}
}

func TestOrigins(t *testing.T) {
	res := &imager.Result{Tag: "v1", Kernel: imager.Kernel{Package: "linux-image-x", Version: "6.1", Release: "6.1.0-x"},
		External: []imager.ExternalResult{{Name: "etcd", Module: "go.etcd.io/etcd/server/v3", Version: "v3.6.16",
			Binaries: []imager.BuiltBinary{{Binary: imager.Binary{Name: "etcd", Path: "/usr/bin/etcd"}}, {Binary: imager.Binary{Name: "pause"}}}}},
		Debian: []imager.DebianResult{{Name: "nft", Packages: []imager.Deb{{Package: "nftables", Version: "1.0.6"}},
			Files: []*imager.DebFile{{Path: "/usr/sbin/nft", Package: "nftables"}}}}}
	o := newOrigins(res)
	goELF := &elfInfo{goMain: cairnModule}
	for _, tc := range []struct {
		f    file
		want string
	}{
		{file{path: "/usr/bin/etcd", elf: &elfInfo{}}, "external etcd: go.etcd.io/etcd/server/v3 v3.6.16"},
		{file{path: "/usr/sbin/nft", elf: &elfInfo{}}, "debian (for nft): nftables 1.0.6"},
		{file{path: "/lib/modules/6.1.0-x/kernel/net/bridge/bridge.ko", elf: &elfInfo{}}, "kernel modules: Debian linux-image-x 6.1"},
		{file{path: "/sbin/cairn", elf: goELF}, "cairn v1: github.com/cairn-os/cairn"},
		{file{path: "/usr/bin/other", elf: &elfInfo{goMain: "example.org/x"}}, "NOT IN THE MANIFEST: Go module example.org/x"},
		{file{path: "/usr/lib/libz.so", elf: &elfInfo{}}, "NOT IN THE MANIFEST"},
	} {
		if got := o.of(tc.f); got != tc.want {
			t.Errorf("origin of %s = %q, want %q", tc.f.path, got, tc.want)
		}
	}
}

// TestScanRoot describes a real Go ELF file (this test binary) and a text file.
func TestScanRoot(t *testing.T) {
	root := t.TempDir()
	exe, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(root, "bin", "prog"), exe)
	mustWrite(t, filepath.Join(root, "etc", "hosts"), []byte("127.0.0.1 localhost\n"))
	if err := os.Symlink("prog", filepath.Join(root, "bin", "link")); err != nil {
		t.Fatal(err)
	}
	files, err := scanRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0].path != "/bin/prog" || files[1].path != "/etc/hosts" {
		t.Fatalf("scanRoot() = %+v, want /bin/prog and /etc/hosts", files)
	}
	if f := files[0]; f.squashed <= 0 || f.squashed >= f.size {
		t.Errorf("scanRoot() estimates %d squashed bytes for a %d-byte Go binary, want fewer but some", f.squashed, f.size)
	}
	if e := files[0].elf; e == nil || e.goMain != cairnModule {
		t.Errorf("scanRoot() describes the test binary as %+v, want a Go ELF file of %s", e, cairnModule)
	}
	if files[1].elf != nil {
		t.Errorf("scanRoot() describes a text file as ELF: %+v", files[1].elf)
	}
}

func mustWrite(t *testing.T, p string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
