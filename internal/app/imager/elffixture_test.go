package imager

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// fakeELF returns a minimal little-endian ELF64 file for machine with a PT_INTERP segment
// (when interp is not empty) and a .dynamic section listing needed as DT_NEEDED (when needed
// is not nil): enough for debug/elf, nothing a CPU could run.
func fakeELF(t testing.TB, machine elf.Machine, interp string, needed []string) []byte {
	t.Helper()
	dynstr := []byte{0}
	var dyn []elf.Dyn64
	for _, n := range needed {
		dyn = append(dyn, elf.Dyn64{Tag: int64(elf.DT_NEEDED), Val: uint64(len(dynstr))})
		dynstr = append(append(dynstr, n...), 0)
	}
	dyn = append(dyn, elf.Dyn64{Tag: int64(elf.DT_NULL)})
	var dynBuf bytes.Buffer
	if err := binary.Write(&dynBuf, binary.LittleEndian, dyn); err != nil {
		t.Fatal(err)
	}
	shstr := []byte("\x00.interp\x00.dynstr\x00.dynamic\x00.shstrtab\x00")
	interpData := append([]byte(interp), 0)
	const ehsize, phsize, shsize = 64, 56, 64
	off := uint64(ehsize + phsize)
	blobs := [][]byte{interpData, dynstr, dynBuf.Bytes(), shstr}
	offs := make([]uint64, len(blobs))
	for i, b := range blobs {
		offs[i], off = off, off+uint64(len(b))
	}
	hdr := elf.Header64{Type: uint16(elf.ET_DYN), Machine: uint16(machine), Version: 1, Phoff: ehsize,
		Shoff: off, Ehsize: ehsize, Phentsize: phsize, Phnum: 1, Shentsize: shsize, Shnum: 5, Shstrndx: 4}
	copy(hdr.Ident[:], elf.ELFMAG)
	hdr.Ident[elf.EI_CLASS], hdr.Ident[elf.EI_DATA], hdr.Ident[elf.EI_VERSION] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), 1
	ptype := elf.PT_INTERP
	if interp == "" {
		ptype = elf.PT_NOTE
	}
	prog := elf.Prog64{Type: uint32(ptype), Off: offs[0], Filesz: uint64(len(interpData)), Memsz: uint64(len(interpData))}
	dynType := elf.SHT_DYNAMIC
	if needed == nil {
		dynType = elf.SHT_PROGBITS
	}
	sects := []elf.Section64{{},
		{Name: 1, Type: uint32(elf.SHT_PROGBITS), Off: offs[0], Size: uint64(len(interpData)), Addralign: 1},
		{Name: 9, Type: uint32(elf.SHT_STRTAB), Off: offs[1], Size: uint64(len(dynstr)), Addralign: 1},
		{Name: 17, Type: uint32(dynType), Off: offs[2], Size: uint64(dynBuf.Len()), Link: 2, Entsize: 16, Addralign: 8},
		{Name: 26, Type: uint32(elf.SHT_STRTAB), Off: offs[3], Size: uint64(len(shstr)), Addralign: 1},
	}
	var out bytes.Buffer
	for _, v := range []any{hdr, prog, interpData, dynstr, dynBuf.Bytes(), shstr, sects} {
		if err := binary.Write(&out, binary.LittleEndian, v); err != nil {
			t.Fatal(err)
		}
	}
	return out.Bytes()
}

// fixture is one file of a fake package: data, or a symbolic link target.
type fixture struct {
	data []byte
	link string
	mode os.FileMode
}

// writePackages lays out fake extracted packages under root/PACKAGE.
func writePackages(t *testing.T, root string, pkgs map[string]map[string]fixture) {
	t.Helper()
	for pkg, files := range pkgs {
		for p, f := range files {
			dst := filepath.Join(root, pkg, filepath.FromSlash(p))
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				t.Fatal(err)
			}
			if f.link != "" {
				if err := os.Symlink(f.link, dst); err != nil {
					t.Fatal(err)
				}
				continue
			}
			mode := f.mode
			if mode == 0 {
				mode = 0o644
			}
			if err := os.WriteFile(dst, f.data, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dst, mode); err != nil {
				t.Fatal(err)
			}
		}
	}
}
