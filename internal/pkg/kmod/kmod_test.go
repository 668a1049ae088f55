package kmod

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const sampleDep = `kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_legacy_dev.ko kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko
kernel/drivers/virtio/virtio_ring.ko:
kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/virtio/virtio_pci_legacy_dev.ko:
kernel/drivers/virtio/virtio_pci_modern_dev.ko:
kernel/drivers/md/dm-mod.ko:
`

func TestOrder(t *testing.T) {
	d, err := ParseDep(strings.NewReader(sampleDep))
	if err != nil {
		t.Fatal(err)
	}
	got, err := d.Order("virtio_pci", "dm-mod", "virtio")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"kernel/drivers/virtio/virtio_pci_legacy_dev.ko",
		"kernel/drivers/virtio/virtio_pci_modern_dev.ko",
		"kernel/drivers/virtio/virtio_ring.ko",
		"kernel/drivers/virtio/virtio.ko",
		"kernel/drivers/virtio/virtio_pci.ko",
		"kernel/drivers/md/dm-mod.ko",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Order() (-want +got):\n%s", diff)
	}
	if _, err := d.Order("e1000"); err == nil {
		t.Error(`Order("e1000") = nil error, want not found`)
	}
}

func TestFormatRoundTrip(t *testing.T) {
	d, err := ParseDep(strings.NewReader(sampleDep))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := d.Format(&buf); err != nil {
		t.Fatal(err)
	}
	d2, err := ParseDep(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(d, d2); diff != "" {
		t.Errorf("ParseDep(Format()) (-want +got):\n%s", diff)
	}
}

func TestParseDepErrors(t *testing.T) {
	for _, in := range []string{"no colon here", "a.ko:\na.ko:", ": x.ko", "a b.ko: c"} {
		if _, err := ParseDep(strings.NewReader(in)); err == nil {
			t.Errorf("ParseDep(%q) = nil error, want error", in)
		}
	}
}

func TestOrderCycle(t *testing.T) {
	d := Dep{"a.ko": {"b.ko"}, "b.ko": {"a.ko"}}
	if _, err := d.Order("a"); err == nil {
		t.Error("Order on a cycle = nil error, want error")
	}
}

func TestDepends(t *testing.T) {
	mod := fakeModule(t, "license=GPL\x00depends=virtio,virtio_ring,dm-mod\x00vermagic=6.1.0\x00")
	got, err := Depends(bytes.NewReader(mod))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"virtio", "virtio_ring", "dm_mod"}, got); diff != "" {
		t.Errorf("Depends() (-want +got):\n%s", diff)
	}
	if _, err := Depends(bytes.NewReader([]byte("not an elf"))); err == nil {
		t.Error("Depends(garbage) = nil error, want error")
	}
}

// fakeModule builds the smallest ELF64 file with a .modinfo section holding modinfo.
func fakeModule(t *testing.T, modinfo string) []byte {
	t.Helper()
	shstr := "\x00.modinfo\x00.shstrtab\x00"
	var body bytes.Buffer
	body.Write(make([]byte, 64)) // ELF header, written last
	infoOff := body.Len()
	body.WriteString(modinfo)
	strOff := body.Len()
	body.WriteString(shstr)
	for body.Len()%8 != 0 {
		body.WriteByte(0)
	}
	shOff := body.Len()
	sections := []elf.Section64{
		{},
		{Name: 1, Type: uint32(elf.SHT_PROGBITS), Off: uint64(infoOff), Size: uint64(len(modinfo)), Addralign: 1},
		{Name: 10, Type: uint32(elf.SHT_STRTAB), Off: uint64(strOff), Size: uint64(len(shstr)), Addralign: 1},
	}
	for _, s := range sections {
		if err := binary.Write(&body, binary.LittleEndian, s); err != nil {
			t.Fatal(err)
		}
	}
	hdr := elf.Header64{
		Type: uint16(elf.ET_REL), Machine: uint16(elf.EM_X86_64), Version: uint32(elf.EV_CURRENT),
		Shoff: uint64(shOff), Ehsize: 64, Shentsize: 64, Shnum: 3, Shstrndx: 2,
	}
	copy(hdr.Ident[:], elf.ELFMAG)
	hdr.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	hdr.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	hdr.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	var h bytes.Buffer
	if err := binary.Write(&h, binary.LittleEndian, hdr); err != nil {
		t.Fatal(err)
	}
	out := body.Bytes()
	copy(out, h.Bytes())
	return out
}

func FuzzParseDep(f *testing.F) {
	f.Add(sampleDep)
	f.Add("a.ko: b.ko\nb.ko: a.ko\n")
	f.Fuzz(func(t *testing.T, in string) {
		d, err := ParseDep(strings.NewReader(in))
		if err != nil {
			return
		}
		for p := range d {
			_, _ = d.Order(Name(p)) // must not panic or loop
		}
		var buf bytes.Buffer
		if err := d.Format(&buf); err != nil {
			t.Fatal(err)
		}
		d2, err := ParseDep(&buf)
		if err != nil {
			t.Fatalf("ParseDep(Format(%q)): %v", in, err)
		}
		if !cmp.Equal(d, d2, cmp.Comparer(func(a, b []string) bool { return strings.Join(a, " ") == strings.Join(b, " ") })) {
			t.Fatalf("round trip of %q changed the table", in)
		}
	})
}

func TestReadLoadList(t *testing.T) {
	f := filepath.Join(t.TempDir(), "cairn.conf")
	if err := os.WriteFile(f, []byte("# comment\nloop\n\n  squashfs  \n#x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := ReadLoadList(f)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"loop", "squashfs"}, got); diff != "" {
		t.Errorf("ReadLoadList() (-want +got):\n%s", diff)
	}
	if _, err := ReadLoadList(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("ReadLoadList(missing) = nil error")
	}
}
