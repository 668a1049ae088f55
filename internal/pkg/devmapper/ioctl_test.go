package devmapper

import (
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// TestLayout checks our offsets against x/sys/unix's cgo-generated struct dm_ioctl and
// struct dm_target_spec.
func TestLayout(t *testing.T) {
	var d unix.DmIoctl
	var s unix.DmTargetSpec
	got := []uintptr{unsafe.Sizeof(d), unsafe.Offsetof(d.Flags), unsafe.Offsetof(d.Dev), unsafe.Offsetof(d.Name),
		unsafe.Sizeof(s), unsafe.Offsetof(s.Next), unsafe.Offsetof(s.Target_type)}
	want := []uintptr{headerSize, offFlags, offDev, offName, specSize, 20, 24}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("layout (-ours +kernel):\n%s", diff)
	}
}

func TestEncodeHeader(t *testing.T) {
	buf, err := encode(header{Name: "cairn-root", Flags: unix.DM_READONLY_FLAG, TargetCount: 1}, []byte("xyz"), 0)
	if err != nil {
		t.Fatal(err)
	}
	d := (*unix.DmIoctl)(unsafe.Pointer(&buf[0]))
	if d.Version != [3]uint32{4, 0, 0} || d.Data_size != headerSize+3 || d.Data_start != headerSize ||
		d.Target_count != 1 || d.Flags != unix.DM_READONLY_FLAG {
		t.Errorf("encode: header %+v", *d)
	}
	if n := string(d.Name[:10]); n != "cairn-root" || d.Name[10] != 0 {
		t.Errorf("encode: name %q", d.Name[:11])
	}
	if string(buf[headerSize:]) != "xyz" {
		t.Errorf("encode: payload %q, want xyz", buf[headerSize:])
	}
	d.Dev = unix.Mkdev(253, 3)
	h, err := decode(buf)
	if err != nil || h.Name != "cairn-root" || unix.Major(h.Dev) != 253 || unix.Minor(h.Dev) != 3 {
		t.Errorf("decode = %+v, %v", h, err)
	}
}

func TestEncodeHeaderRefusesBadNames(t *testing.T) {
	for _, name := range []string{"", "a/b", "a\x00b", strings.Repeat("n", 128)} {
		if _, err := encode(header{Name: name}, nil, 0); err == nil {
			t.Errorf("encode(name %q) = nil error, want one", name)
		}
	}
}

func TestTargetsRoundTrip(t *testing.T) {
	ts := []target{{Start: 0, Length: 8, Type: "verity", Params: "1 /dev/a /dev/a"}, {Start: 8, Length: 16, Type: "zero"}}
	b, err := encodeTargets(ts)
	if err != nil {
		t.Fatal(err)
	}
	s := (*unix.DmTargetSpec)(unsafe.Pointer(&b[0]))
	if len(b)%8 != 0 || s.Next != 56 || s.Length != 8 || string(s.Target_type[:6]) != "verity" {
		t.Fatalf("encodeTargets: %d bytes, first spec %+v", len(b), *s)
	}
	// A status reply gives next from the start of data: make the second one absolute as the
	// kernel does (it is the same for the first).
	second := (*unix.DmTargetSpec)(unsafe.Pointer(&b[56]))
	second.Next = uint32(len(b))
	got, err := decodeTargets(b, 2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ts, got); diff != "" {
		t.Errorf("decodeTargets (-want +got):\n%s", diff)
	}
}

func TestVerityTarget(t *testing.T) {
	v := Verity{DataDev: "/dev/vda2", HashDev: "/dev/vda2", DataBlocks: 1000, HashStartBlock: 1001,
		RootHash: make([]byte, 32), Salt: []byte{0xab, 0xcd}}
	got := v.target()
	want := target{Length: 8000, Type: "verity", Params: "1 /dev/vda2 /dev/vda2 4096 4096 1000 1001 sha256 " +
		strings.Repeat("00", 32) + " abcd"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("target (-want +got):\n%s", diff)
	}
	v.RootHash = v.RootHash[:31]
	if err := v.Validate(); err == nil {
		t.Error("Validate(31-byte root hash) = nil, want an error")
	}
}

func FuzzDecodeTargets(f *testing.F) {
	b, _ := encodeTargets([]target{{Length: 8, Type: "verity", Params: "V"}})
	f.Add(b, uint32(1))
	f.Add([]byte{}, uint32(3))
	f.Fuzz(func(t *testing.T, data []byte, n uint32) {
		ts, err := decodeTargets(data, n%8)
		if err == nil && len(ts) != int(n%8) {
			t.Errorf("decodeTargets: %d targets, want %d", len(ts), n%8)
		}
	})
}
