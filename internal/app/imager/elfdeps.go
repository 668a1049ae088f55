package imager

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// errNotELF marks a file that is not an ELF object (a data file such as /etc/protocols).
var errNotELF = errors.New("not an ELF file")

// libraryDirs are the directories glibc's loader searches when no ld.so.cache exists (Debian's
// multiarch directories first, as `ld.so --help` lists them); the image carries no cache.
var libraryDirs = []string{"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib"}

// elfDeps returns the program interpreter (PT_INTERP, "" for a library or a static program)
// and the DT_NEEDED libraries of an x86-64 ELF file, or errNotELF.
func elfDeps(r io.ReaderAt) (string, []string, error) {
	magic := make([]byte, 4)
	if _, err := r.ReadAt(magic, 0); err != nil || !bytes.Equal(magic, []byte(elf.ELFMAG)) {
		return "", nil, errNotELF
	}
	f, err := elf.NewFile(r)
	if err != nil {
		return "", nil, fmt.Errorf("parse ELF: %w", err)
	}
	if f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_X86_64 {
		return "", nil, fmt.Errorf("ELF file for %v %v, want %v %v", f.Class, f.Machine, elf.ELFCLASS64, elf.EM_X86_64)
	}
	interp, err := elfInterp(f)
	if err != nil {
		return "", nil, err
	}
	needed, err := f.DynString(elf.DT_NEEDED)
	if err != nil {
		return "", nil, fmt.Errorf("read DT_NEEDED: %w", err)
	}
	for _, n := range needed {
		if n == "" || strings.ContainsAny(n, "/\x00") {
			return "", nil, fmt.Errorf("DT_NEEDED %q is not a plain library name", n)
		}
	}
	return interp, needed, nil
}

// elfInterp reads the PT_INTERP segment: the absolute path of the dynamic loader.
func elfInterp(f *elf.File) (string, error) {
	for _, p := range f.Progs {
		if p.Type != elf.PT_INTERP {
			continue
		}
		if p.Filesz > 4096 {
			return "", fmt.Errorf("PT_INTERP of %d bytes", p.Filesz)
		}
		data, err := io.ReadAll(p.Open())
		if err != nil {
			return "", fmt.Errorf("read PT_INTERP: %w", err)
		}
		s := strings.TrimRight(string(data), "\x00")
		if !strings.HasPrefix(s, "/") || strings.Contains(s, "\x00") {
			return "", fmt.Errorf("PT_INTERP %q is not an absolute path", s)
		}
		return s, nil
	}
	return "", nil
}

// fileDeps opens a file and returns elfDeps of it.
func fileDeps(name string) (string, []string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", nil, err
	}
	defer func() { _ = f.Close() }()
	return elfDeps(f)
}
