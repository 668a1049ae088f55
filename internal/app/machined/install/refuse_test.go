package install

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"errors"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// untouched says whether the sparse disk file still has no data from byte from on.
func untouched(t *testing.T, disk string, from int64) bool {
	t.Helper()
	f, err := os.Open(disk)
	must(t, err)
	defer func() { _ = f.Close() }()
	_, err = unix.Seek(int(f.Fd()), from, unix.SEEK_DATA)
	return errors.Is(err, unix.ENXIO)
}

// TestInstallRefusesUntrustedImages: a foreign key, no trusted key, a corrupted root: refused
// before the disk is opened, nothing written, the reason in the error.
func TestInstallRefusesUntrustedImages(t *testing.T) {
	fx := newFixture(t)
	other, err := pki.GenerateKey()
	must(t, err)
	corrupt := append([]byte(nil), fx.img...)
	corrupt[bytes.LastIndex(corrupt, []byte("root"))] ^= 1
	for _, tc := range []struct {
		name    string
		img     []byte
		trusted []*ecdsa.PublicKey
		want    string
	}{
		{"foreign key", fx.img, []*ecdsa.PublicKey{&other.PublicKey}, "not in machine.upgrade.trustedKeys"},
		{"no trusted key", fx.img, nil, "machine.upgrade.trustedKeys is empty"},
		{"corrupt root", corrupt, []*ecdsa.PublicKey{&fx.key.PublicKey}, "root.verity has sha256"},
	} {
		disk := blankDisk(t)
		o, steps := fx.options(disk, tc.trusted...)
		o.Payload, o.Size = bytes.NewReader(tc.img), int64(len(tc.img))
		_, err := Run(context.Background(), o)
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Run = %v; want refused with %q", tc.name, err, tc.want)
		}
		if !untouched(t, disk, 0) || indexOf(*steps, "fill state") >= 0 {
			t.Errorf("%s: the disk was written (steps %q)", tc.name, *steps)
		}
	}
}

// TestInstallRefusesADiskWithData unless wiping: a GPT header at byte 512 is data; with wipe
// the install goes ahead.
func TestInstallRefusesADiskWithData(t *testing.T) {
	fx := newFixture(t)
	disk := blankDisk(t)
	f, err := os.OpenFile(disk, os.O_WRONLY, 0)
	must(t, err)
	_, err = f.WriteAt([]byte("EFI PART"), 512)
	must(t, err)
	must(t, f.Close())
	o, _ := fx.options(disk, &fx.key.PublicKey)
	_, err = Run(context.Background(), o)
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "holds data (a GPT partition table): set machine.install.wipe: true") {
		t.Fatalf("Run(disk with data) = %v; want refused naming machine.install.wipe", err)
	}
	if !untouched(t, disk, 1<<20) {
		t.Errorf("the disk was written after the refusal")
	}
	o.Wipe = true
	if res, err := Run(context.Background(), o); err != nil || res.Version != "v9.9.9-test" {
		t.Errorf("Run(wipe) = %+v, %v; want installed", res, err)
	}
}

func TestInstallRefusesASmallDisk(t *testing.T) {
	fx := newFixture(t)
	disk := blankDisk(t)
	must(t, os.Truncate(disk, 1<<30))
	o, _ := fx.options(disk, &fx.key.PublicKey)
	if _, err := Run(context.Background(), o); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "is 1024 MiB; Cairn needs at least") {
		t.Errorf("Run(1 GiB disk) = %v; want refused for its size", err)
	}
	o.Disk = disk + ".missing"
	if _, err := Run(context.Background(), o); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), `machine.install.disk "`+o.Disk) {
		t.Errorf("Run(missing disk) = %v; want refused naming machine.install.disk", err)
	}
}

func TestHoldsData(t *testing.T) {
	mib := func() []byte { return make([]byte, edge) }
	gptDisk, mbr, first, last := mib(), mib(), mib(), mib()
	copy(gptDisk[512:], "EFI PART")
	mbr[510], mbr[511] = 0x55, 0xaa
	first[4096] = 7
	last[edge-1] = 1
	for _, tc := range []struct {
		name        string
		first, last []byte
		want        string
	}{
		{"blank", mib(), mib(), ""},
		{"gpt", gptDisk, mib(), "a GPT partition table"},
		{"mbr", mbr, mib(), "an MBR partition table or boot sector"},
		{"data at the start", first, mib(), "non-zero bytes in its first MiB, from byte 4096"},
		{"data at the end", mib(), last, "non-zero bytes in its last MiB, from byte 1048575 of it"},
	} {
		if got := holdsData(tc.first, tc.last); got != tc.want {
			t.Errorf("holdsData(%s) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func FuzzHoldsData(f *testing.F) {
	f.Add([]byte{}, []byte{})
	f.Add([]byte("\x00\x00EFI PART"), []byte{1})
	f.Fuzz(func(t *testing.T, first, last []byte) {
		what := holdsData(first, last)
		if (what == "") != (firstNonZero(first) < 0 && firstNonZero(last) < 0) {
			t.Errorf("holdsData(%q, %q) = %q", first, last, what)
		}
	})
}
