package install

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	diskfs "github.com/diskfs/go-diskfs"
	"github.com/diskfs/go-diskfs/disk"
	"github.com/diskfs/go-diskfs/partition/gpt"

	"github.com/cairn-os/cairn/internal/pkg/disklayout"
	"github.com/cairn-os/cairn/internal/pkg/osimage"
	"github.com/cairn-os/cairn/internal/pkg/sdboot"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// fixture is a small signed OS image: its files are random-looking bytes (the layout does not
// look inside them).
type fixture struct {
	key   *ecdsa.PrivateKey
	img   []byte
	files map[string][]byte
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	key, err := pki.GenerateKey()
	must(t, err)
	dir := t.TempDir()
	fx := &fixture{key: key, files: map[string][]byte{}}
	paths := map[string]string{}
	for i, name := range []string{osimage.FileKernel, osimage.FileInitramfs, osimage.FileRoot, osimage.FileBootloader} {
		data := bytes.Repeat([]byte{byte(0x41 + i), byte(i)}, 6000+i*1000)
		if name == osimage.FileRoot {
			data = bytes.Repeat([]byte("root"), 3*1024)
		}
		fx.files[name], paths[name] = data, filepath.Join(dir, name)
		must(t, os.WriteFile(paths[name], data, 0o600))
	}
	m := osimage.Manifest{Version: "v9.9.9-test", Arch: "amd64", KernelArgs: []string{"console=ttyS0"},
		Verity: osimage.Verity{RootHash: strings.Repeat("ab", 32), Salt: strings.Repeat("cd", 32), HashOffset: 8192}}
	var b bytes.Buffer
	_, err = osimage.WriteFiles(&b, m, paths, key)
	must(t, err)
	fx.img = b.Bytes()
	return fx
}

// blankDisk is a sparse file the size of a small disk.
func blankDisk(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "disk.raw")
	must(t, os.WriteFile(p, nil, 0o600))
	must(t, os.Truncate(p, disklayout.ImageSize()+minEphemeral+64<<20))
	return p
}

func (fx *fixture) options(disk string, trusted ...*ecdsa.PublicKey) (Options, *[]string) {
	var steps []string
	return Options{Log: slog.New(slog.DiscardHandler), Payload: bytes.NewReader(fx.img), Size: int64(len(fx.img)),
		Trusted: trusted, Disk: disk,
		FillState: func(context.Context, string) error { steps = append(steps, "fill state"); return nil },
		Progress:  func(s string) { steps = append(steps, s) }}, &steps
}

// TestInstallWritesTheLayout installs to a file and reads it back: the GPT of disklayout,
// slot A's bytes, the ESP's files with slot A's entry, STATE filled before the ESP.
func TestInstallWritesTheLayout(t *testing.T) {
	fx := newFixture(t)
	disk := blankDisk(t)
	o, steps := fx.options(disk, &fx.key.PublicKey)
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("Run = %v", err)
	}
	if res.Version != "v9.9.9-test" || res.Signer != osimage.KeyID(&fx.key.PublicKey) {
		t.Errorf("Run = %+v", res)
	}
	if i := indexOf(*steps, "fill state"); i < 0 || !strings.Contains((*steps)[i+1], "EFI system partition") {
		t.Errorf("steps %q: want STATE filled just before the ESP is written", *steps)
	}
	d, err := diskfs.Open(disk, diskfs.WithOpenMode(diskfs.ReadOnly))
	must(t, err)
	defer func() { _ = d.Close() }()
	tbl, ok := d.Table.(*gpt.Table)
	if !ok {
		t.Fatalf("partition table %T, want GPT", d.Table)
	}
	for i, want := range disklayout.Partitions {
		got := tbl.Partitions[i]
		if got.Name != want.Name || int64(got.Start)*512 != disklayout.Offset(i+1) || got.GetSize() != want.Size {
			t.Errorf("partition %d = %s at %d, %d bytes; want %s at %d, %d bytes", i+1, got.Name, got.Start*512, got.GetSize(), want.Name, disklayout.Offset(i+1), want.Size)
		}
	}
	checkSlotA(t, disk, fx.files[osimage.FileRoot])
	checkESP(t, d, fx)
}

func checkSlotA(t *testing.T, disk string, want []byte) {
	t.Helper()
	f, err := os.Open(disk)
	must(t, err)
	defer func() { _ = f.Close() }()
	got := make([]byte, len(want))
	_, err = f.ReadAt(got, disklayout.Offset(disklayout.NumberSlotA))
	must(t, err)
	if !bytes.Equal(got, want) {
		t.Errorf("slot A does not hold the image's root.verity")
	}
}

// checkESP reads the ESP: loader.conf, slot A's kernel and initramfs, systemd-boot, and the
// entry booting slot A with the image's arguments, its verity parameters and cairn.slot=a.
func checkESP(t *testing.T, d *disk.Disk, fx *fixture) {
	t.Helper()
	fs, err := d.GetFilesystem(disklayout.NumberESP)
	if err != nil {
		t.Fatalf("ESP: %v", err)
	}
	read := func(p string) []byte {
		f, err := fs.OpenFile("/"+p, os.O_RDONLY)
		if err != nil {
			t.Fatalf("ESP %s: %v", p, err)
		}
		b, err := io.ReadAll(f)
		must(t, err)
		return b
	}
	for p, want := range map[string][]byte{sdboot.KernelPath("a"): fx.files[osimage.FileKernel], sdboot.InitrdPath("a"): fx.files[osimage.FileInitramfs],
		sdboot.Bootloader: fx.files[osimage.FileBootloader], sdboot.LoaderConf: []byte(sdboot.LoaderConfig)} {
		if !bytes.Equal(read(p), want) {
			t.Errorf("ESP %s differs from the image's", p)
		}
	}
	entry := string(read(sdboot.EntriesDir + "/cairn-1-a.conf"))
	want := "options console=ttyS0 cairn.verity.roothash=" + strings.Repeat("ab", 32) + " cairn.verity.salt=" + strings.Repeat("cd", 32) +
		" cairn.verity.hashoffset=8192 cairn.slot=a\n"
	if !strings.Contains(entry, want) || !strings.Contains(entry, "title Cairn v9.9.9-test (slot A)") {
		t.Errorf("cairn-1-a.conf =\n%s\nwant the line %q", entry, want)
	}
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
