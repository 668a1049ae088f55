package imager

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestElfDeps(t *testing.T) {
	for _, tc := range []struct {
		name       string
		data       []byte
		wantInterp string
		wantNeeded []string
		wantErr    string
	}{
		{"program", fakeELF(t, elf.EM_X86_64, "/lib64/ld-linux-x86-64.so.2", []string{"libnftables.so.1", "libc.so.6"}),
			"/lib64/ld-linux-x86-64.so.2", []string{"libnftables.so.1", "libc.so.6"}, ""},
		{"library", fakeELF(t, elf.EM_X86_64, "", []string{"libc.so.6"}), "", []string{"libc.so.6"}, ""},
		{"static", fakeELF(t, elf.EM_X86_64, "", nil), "", nil, ""},
		{"other machine", fakeELF(t, elf.EM_AARCH64, "/lib/ld-linux-aarch64.so.1", nil), "", nil, "EM_AARCH64"},
		{"path in DT_NEEDED", fakeELF(t, elf.EM_X86_64, "", []string{"../evil.so"}), "", nil, `DT_NEEDED "../evil.so"`},
		{"relative interpreter", fakeELF(t, elf.EM_X86_64, "ld.so", nil), "", nil, `PT_INTERP "ld.so"`},
		{"text", []byte("# /etc/protocols\nip 0 IP\n"), "", nil, errNotELF.Error()},
		{"empty", nil, "", nil, errNotELF.Error()},
		{"truncated", fakeELF(t, elf.EM_X86_64, "", nil)[:40], "", nil, "parse ELF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			interp, needed, err := elfDeps(bytes.NewReader(tc.data))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("elfDeps() error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || interp != tc.wantInterp || !cmp.Equal(needed, tc.wantNeeded) {
				t.Errorf("elfDeps() = %q, %q, %v; want %q, %q", interp, needed, err, tc.wantInterp, tc.wantNeeded)
			}
		})
	}
}

// nftLike lays out packages shaped like nft's: a program, a library reached through a
// symbolic link, the C library and a loader reached through an absolute link, plus a shell and
// a setuid program nobody asked for.
func nftLike(t *testing.T) *debTree {
	t.Helper()
	root := t.TempDir()
	writePackages(t, root, map[string]map[string]fixture{
		"prog": {
			"/usr/sbin/prog":  {data: fakeELF(t, elf.EM_X86_64, "/lib64/ld-linux-x86-64.so.2", []string{"liba.so.1", "libc.so.6"}), mode: 0o755},
			"/bin/sh":         {data: fakeELF(t, elf.EM_X86_64, "/lib64/ld-linux-x86-64.so.2", []string{"libc.so.6"}), mode: 0o755},
			"/usr/bin/su":     {data: []byte("\x7fELF"), mode: os.ModeSetuid | 0o755},
			"/etc/protocols":  {data: []byte("tcp 6 TCP\n")},
			"/usr/share/x.md": {data: []byte("docs")},
		},
		"liba": {
			"/usr/lib/x86_64-linux-gnu/liba.so.1":   {link: "liba.so.1.2"},
			"/usr/lib/x86_64-linux-gnu/liba.so.1.2": {data: fakeELF(t, elf.EM_X86_64, "", []string{"libc.so.6"})},
		},
		"libc": {
			"/lib/x86_64-linux-gnu/libc.so.6":                {data: fakeELF(t, elf.EM_X86_64, "", []string{"ld-linux-x86-64.so.2"})},
			"/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2":     {data: fakeELF(t, elf.EM_X86_64, "", nil)},
			"/lib64/ld-linux-x86-64.so.2":                    {link: "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"},
			"/lib/x86_64-linux-gnu/libunused.so.1":           {data: fakeELF(t, elf.EM_X86_64, "", nil)},
			"/usr/lib/x86_64-linux-gnu/gconv/UTF-16.so":      {data: fakeELF(t, elf.EM_X86_64, "", nil)},
			"/usr/lib/x86_64-linux-gnu/libmissing-user.so.1": {data: fakeELF(t, elf.EM_X86_64, "", []string{"libnothere.so.9"})},
		},
	})
	return &debTree{root: root, pkgs: []string{"prog", "liba", "libc"}}
}

func TestDebClosure(t *testing.T) {
	tr := nftLike(t)
	files, err := tr.closure([]string{"/usr/sbin/prog", "/etc/protocols"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, f.Path+" "+f.Package+" "+f.Link)
	}
	want := []string{
		"/etc/protocols prog ",
		"/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 libc ",
		"/lib/x86_64-linux-gnu/libc.so.6 libc ",
		"/lib64/ld-linux-x86-64.so.2 libc /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
		"/usr/lib/x86_64-linux-gnu/liba.so.1 liba liba.so.1.2",
		"/usr/lib/x86_64-linux-gnu/liba.so.1.2 liba ",
		"/usr/sbin/prog prog ",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("closure() mismatch (-want +got):\n%s", diff)
	}
	root := t.TempDir()
	if err := placeDebFiles(root, files); err != nil {
		t.Fatal(err)
	}
	if err := CheckTree(root); err != nil {
		t.Errorf("CheckTree(placed nft-like root) = %v", err)
	}
	for _, p := range []string{"bin/sh", "usr/bin/su", "usr/share/x.md", "lib/x86_64-linux-gnu/libunused.so.1"} {
		if _, err := os.Lstat(filepath.Join(root, p)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("/%s is in the root (%v); only the closure may be", p, err)
		}
	}
	if info, err := os.Stat(filepath.Join(root, "usr/sbin/prog")); err != nil || info.Mode().Perm() != 0o755 {
		t.Errorf("/usr/sbin/prog = %v, %v; want mode 0755", info, err)
	}
	// The same bytes placed again (two programs sharing a pinned library) are shared; other
	// bytes at the same path are refused.
	if err := placeDebFiles(root, files[:1]); err != nil {
		t.Errorf("placeDebFiles(the same file twice) = %v, want it shared", err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/protocols"), []byte("other bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := placeDebFiles(root, files[:1]); err == nil || !strings.Contains(err.Error(), "/etc/protocols (package prog) is already in the root") {
		t.Errorf("placeDebFiles(other bytes at the same path) = %v, want already in the root", err)
	}
}

func TestDebClosureErrors(t *testing.T) {
	tr := nftLike(t)
	for _, tc := range []struct {
		want  []string
		wants []string
	}{
		{[]string{"/usr/lib/x86_64-linux-gnu/libmissing-user.so.1"}, []string{"libmissing-user.so.1 needs libnothere.so.9: no package of prog, liba, libc ships it"}},
		{[]string{"/usr/bin/su"}, []string{"/usr/bin/su in package prog is setuid or setgid"}},
		{[]string{"/usr/sbin/nope", "/usr/share"}, []string{"/usr/sbin/nope: file does not exist in packages prog, liba, libc", "/usr/share in package prog is not a regular file"}},
		{[]string{"/usr/sbin/prog/x"}, []string{"/usr/sbin/prog/x: /usr/sbin/prog in package prog is not a directory"}},
	} {
		_, err := tr.closure(tc.want)
		for _, w := range tc.wants {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("closure(%q) = %v, want an error containing %q", tc.want, err, w)
			}
		}
	}
}

func TestDebLinkLoop(t *testing.T) {
	root := t.TempDir()
	writePackages(t, root, map[string]map[string]fixture{"p": {"/a": {link: "b"}, "/b": {link: "/a"}, "/dir": {link: "/etc"}}})
	tr := &debTree{root: root, pkgs: []string{"p"}}
	if _, err := tr.closure([]string{"/a"}); err == nil || !strings.Contains(err.Error(), "too many levels of symbolic links") {
		t.Errorf("closure(link loop) = %v, want too many levels", err)
	}
	// A link to a directory is never followed out of the package's tree.
	if _, err := tr.closure([]string{"/dir/passwd"}); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("closure(/dir/passwd through a link to /etc) = %v, want not a directory", err)
	}
}

func TestDebianManifestErrors(t *testing.T) {
	m, err := DefaultManifest()
	if err != nil {
		t.Fatal(err)
	}
	n := len(m.Debian) // the entries added below are debian[n], [n+1] and [n+2]
	m.Debian = append(m.Debian, Debian{Name: "Bad", Files: []string{"usr/sbin/x", "/etc/../x"},
		Packages: []Deb{{Package: "a", Version: "1", SHA256: strings.Repeat("0", 64)}, {Package: "a", Version: "", SHA256: "x"}}},
		Debian{Name: "empty"}, Debian{Name: "dup", Files: []string{"/usr/sbin/nft"}, Packages: m.Debian[0].Packages})
	err = m.Validate()
	for _, w := range []string{`debian[N].name: "Bad" is not a name`, `debian[N].files[0]: "usr/sbin/x" is not a clean absolute file path`,
		`debian[N].files[1]: "/etc/../x"`, `debian[N].packages[1].package: "a" is listed twice`, `debian[N].packages[1].version: ""`,
		`debian[N].packages[1].sha256: "x"`, `debian[N+1].packages: "" is empty`, `debian[N+1].files: "" is empty`,
		`debian[N+2].files[0]: "/usr/sbin/nft" is already used by debian[0].files[0]`} {
		w = strings.NewReplacer("[N]", fmt.Sprintf("[%d]", n), "[N+1]", fmt.Sprintf("[%d]", n+1), "[N+2]", fmt.Sprintf("[%d]", n+2)).Replace(w)
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("Validate() = %v, want an error containing %q", err, w)
		}
	}
}

func FuzzElfDeps(f *testing.F) {
	f.Add([]byte("\x7fELF"))
	f.Add([]byte("#!/bin/sh\n"))
	for _, m := range []elf.Machine{elf.EM_X86_64, elf.EM_386} {
		f.Add(fakeELF(f, m, "/lib64/ld-linux-x86-64.so.2", []string{"libc.so.6", "libnftables.so.1"}))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		interp, needed, err := elfDeps(bytes.NewReader(data))
		if err != nil {
			return
		}
		if interp != "" && !strings.HasPrefix(interp, "/") {
			t.Errorf("elfDeps() interpreter %q is not absolute", interp)
		}
		for _, n := range needed {
			if n == "" || strings.ContainsAny(n, "/\x00") {
				t.Errorf("elfDeps() DT_NEEDED %q is not a plain name", n)
			}
		}
	})
}
