// Package elfinfo reads what an executable says about its own origin: the ELF type, program
// interpreter and GNU build-id, and, for a Go program, the build information the Go linker
// embeds (main module, every dependency with its version, the toolchain and build settings
// such as GOFIPS140 and DefaultGODEBUG). The SBOM at image build and the binary inventory on
// the node read executables through it, so both describe a binary the same way.
package elfinfo

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Info is what an ELF file says about itself. Go is nil for a file that is not a Go program.
type Info struct {
	// Type is "executable", "shared-object" (which includes position-independent
	// executables), "relocatable" or "core".
	Type string `json:"type"`
	// Interpreter is the program interpreter of a dynamically linked file ("" when static).
	Interpreter string `json:"interpreter,omitempty"`
	// BuildID is the GNU build-id note in hex ("" when the linker wrote none).
	BuildID string `json:"buildId,omitempty"`
	Go      *Go    `json:"go,omitempty"`
}

// Go is the build information of a Go program.
type Go struct {
	// Toolchain is the Go version that built it, as the binary says ("go1.26.8").
	Toolchain string    `json:"toolchain"`
	Package   string    `json:"package"`
	Main      Module    `json:"main"`
	Deps      []Module  `json:"deps,omitempty"`
	Settings  []Setting `json:"settings,omitempty"`
}

// Module is one Go module linked into a program. Replace is the module that stood in for it
// (a directory replacement has no version).
type Module struct {
	Path    string  `json:"path"`
	Version string  `json:"version,omitempty"`
	Sum     string  `json:"sum,omitempty"`
	Replace *Module `json:"replace,omitempty"`
}

// Setting is one build setting (-tags, CGO_ENABLED, GOFIPS140, DefaultGODEBUG, vcs.revision, ...).
type Setting struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Effective returns the module whose code the program holds: the replacement when there is
// one with a version, the module itself otherwise.
func (m Module) Effective() Module {
	if m.Replace != nil && m.Replace.Version != "" {
		return Module{Path: m.Replace.Path, Version: m.Replace.Version, Sum: m.Replace.Sum}
	}
	return m
}

// Setting returns the value of the build setting key ("" when the binary records none).
func (g *Go) Setting(key string) string {
	for _, s := range g.Settings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}

// ErrNotELF is returned for a file that is not an ELF file.
var ErrNotELF = errors.New("not an ELF file")

// IsELF says whether head (the first bytes of a file) starts with the ELF magic.
func IsELF(head []byte) bool { return bytes.HasPrefix(head, []byte(elf.ELFMAG)) }

// Read reads the ELF file r. A malformed ELF file is an error; a well-formed one without Go
// build information is not.
func Read(r io.ReaderAt) (*Info, error) {
	var head [4]byte
	if _, err := r.ReadAt(head[:], 0); err != nil || !IsELF(head[:]) {
		return nil, ErrNotELF
	}
	f, err := elf.NewFile(r)
	if err != nil {
		return nil, fmt.Errorf("parse ELF: %w", err)
	}
	defer func() { _ = f.Close() }()
	info := &Info{Type: elfType(f.Type)}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			info.Interpreter = readInterp(p)
		}
	}
	info.BuildID = buildID(f)
	if bi, err := buildinfo.Read(r); err == nil {
		info.Go = fromBuildInfo(bi.GoVersion, bi.Path, bi.Main, bi.Deps, bi.Settings)
	}
	return info, nil
}

func elfType(t elf.Type) string {
	switch t {
	case elf.ET_EXEC:
		return "executable"
	case elf.ET_DYN:
		return "shared-object"
	case elf.ET_REL:
		return "relocatable"
	case elf.ET_CORE:
		return "core"
	}
	return t.String()
}

// maxInterp bounds the program interpreter's path: a hostile file may claim any size.
const maxInterp = 4096

func readInterp(p *elf.Prog) string {
	if p.Filesz == 0 || p.Filesz > maxInterp {
		return ""
	}
	b := make([]byte, p.Filesz)
	if _, err := p.ReadAt(b, 0); err != nil {
		return ""
	}
	return strings.TrimRight(string(b), "\x00")
}

// maxNotes bounds the note sections read for the build-id.
const maxNotes = 1 << 16

// buildID finds the NT_GNU_BUILD_ID note in the file's note sections.
func buildID(f *elf.File) string {
	for _, s := range f.Sections {
		if s.Type != elf.SHT_NOTE || s.Size > maxNotes {
			continue
		}
		data, err := s.Data()
		if err != nil {
			continue
		}
		if id := findBuildID(data, f.ByteOrder); id != "" {
			return id
		}
	}
	return ""
}

// findBuildID walks the notes of one section (namesz, descsz, type, name, desc; each padded to
// four bytes) and returns the GNU build-id's descriptor in hex.
func findBuildID(data []byte, order binary.ByteOrder) string {
	const ntGNUBuildID = 3
	for len(data) >= 12 {
		namesz, descsz, typ := order.Uint32(data[0:]), order.Uint32(data[4:]), order.Uint32(data[8:])
		data = data[12:]
		nameEnd, descEnd := align4(uint64(namesz)), align4(uint64(namesz))+align4(uint64(descsz))
		if descEnd > uint64(len(data)) {
			return ""
		}
		name := strings.TrimRight(string(data[:namesz]), "\x00")
		if typ == ntGNUBuildID && name == "GNU" {
			return hex.EncodeToString(data[nameEnd : nameEnd+uint64(descsz)])
		}
		data = data[descEnd:]
	}
	return ""
}

func align4(n uint64) uint64 { return (n + 3) &^ 3 }
