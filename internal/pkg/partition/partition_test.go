package partition

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	diskfs "github.com/diskfs/go-diskfs"
	"github.com/diskfs/go-diskfs/partition/gpt"
)

// image writes a GPT disk image of size bytes with the partitions Cairn's raw image has
// (1 MiB each here), as the image builder lays them out.
func image(t *testing.T, size int64) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "disk.raw")
	d, err := diskfs.Create(p, size, diskfs.SectorSizeDefault)
	if err != nil {
		t.Fatal(err)
	}
	tbl := &gpt.Table{LogicalSectorSize: 512, PhysicalSectorSize: 512, ProtectiveMBR: true}
	start := uint64(2048)
	for i, name := range []string{LabelEFI, LabelSlotA, LabelSlotB, LabelMeta, LabelState} {
		tbl.Partitions = append(tbl.Partitions, &gpt.Partition{Index: i + 1, Start: start, Size: 1 << 20, Type: gpt.LinuxFilesystem, Name: name})
		start += 2048
	}
	if err := d.Partition(tbl); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

func readTable(t *testing.T, p string) *gpt.Table {
	t.Helper()
	d, err := diskfs.Open(p, diskfs.WithOpenMode(diskfs.ReadOnly))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = d.Close() }()
	pt, err := d.GetPartitionTable()
	if err != nil {
		t.Fatal(err)
	}
	return pt.(*gpt.Table)
}

// TestAddRestGrowsToTheDiskEnd: a raw image copied onto a larger disk gets EPHEMERAL over the
// rest, aligned, and the backup table moves to the new end; a second call changes nothing.
func TestAddRestGrowsToTheDiskEnd(t *testing.T) {
	p := image(t, 16<<20)
	const size = 1 << 30
	if err := os.Truncate(p, size); err != nil {
		t.Fatal(err)
	}
	added, err := AddRest(p, LabelEphemeral)
	if err != nil || !added {
		t.Fatalf("AddRest = %v, %v; want added", added, err)
	}
	tbl := readTable(t, p)
	last := tbl.Partitions[len(tbl.Partitions)-1]
	if len(tbl.Partitions) != 6 || last.Name != LabelEphemeral {
		t.Fatalf("partitions %d, last %q; want 6 ending with %s", len(tbl.Partitions), last.Name, LabelEphemeral)
	}
	if last.Start*512%align != 0 || (last.End+1)*512%align != 0 || last.Start != 6*2048 {
		t.Errorf("EPHEMERAL sectors %d-%d: want to start at 12288, both ends 1 MiB aligned", last.Start, last.End)
	}
	if want := uint64(size - 2<<20); last.End*512 < want {
		t.Errorf("EPHEMERAL ends at byte %d; want it to reach the last MiB (%d)", last.End*512, want)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	if err := tbl.Verify(f, size); err != nil {
		t.Errorf("backup GPT not at the disk's end: %v", err)
	}
	if added, err := AddRest(p, LabelEphemeral); err != nil || added {
		t.Errorf("second AddRest = %v, %v; want nothing done", added, err)
	}
}

func TestAddRestRefusesASmallDisk(t *testing.T) {
	p := image(t, 16<<20)
	_, err := AddRest(p, LabelEphemeral)
	if err == nil || !strings.Contains(err.Error(), "no room for CAIRN-EPHEMERAL") {
		t.Fatalf("AddRest on a full disk: %v; want no room", err)
	}
	if n := len(readTable(t, p).Partitions); n != 5 {
		t.Errorf("table has %d partitions after a refusal; want 5 (unchanged)", n)
	}
}

func TestProbe(t *testing.T) {
	blank := make([]byte, probeSize)
	if c := ProbeBytes(blank); c != Blank {
		t.Errorf("zeros: %v", c)
	}
	data := append([]byte(nil), blank...)
	data[70000-4096] = 1
	if c := ProbeBytes(data); c != Foreign {
		t.Errorf("a byte of data: %v; want foreign", c)
	}
	if c := ProbeBytes(blank[:100]); c != Foreign {
		t.Errorf("too short to tell: %v; want foreign (never format what was not read)", c)
	}
}

// TestFormatExt4 runs the host's mke2fs (the image carries Debian's, same version family) on
// a blank file and checks Probe sees ext4 afterwards.
func TestFormatExt4(t *testing.T) {
	mke2fs, err := exec.LookPath("mke2fs")
	if err != nil {
		mke2fs = Mke2fs
	}
	p := filepath.Join(t.TempDir(), "state.img")
	if err := os.Truncate(p, 0); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, 64<<20); err != nil {
		t.Fatal(err)
	}
	if c, err := Probe(p); err != nil || c != Blank {
		t.Fatalf("Probe(new file) = %v, %v; want blank", c, err)
	}
	if err := FormatExt4(context.Background(), mke2fs, p, LabelState); err != nil {
		t.Fatal(err)
	}
	if c, err := Probe(p); err != nil || c != Ext4 {
		t.Fatalf("Probe(formatted) = %v, %v; want ext4", c, err)
	}
	err = FormatExt4(context.Background(), mke2fs, filepath.Join(t.TempDir(), "missing"), LabelState)
	if err == nil || !strings.Contains(err.Error(), "mke2fs") {
		t.Errorf("mke2fs on a missing file: %v; want an error naming mke2fs", err)
	}
}

// TestFind reads a fake /sys/class/block laid out as the kernel does (symlinks into the
// device tree, the partition's directory inside its disk's).
func TestFind(t *testing.T) {
	root := t.TempDir()
	sys := filepath.Join(root, "class")
	dev := filepath.Join(root, "devices", "virtio2", "block", "vda")
	for name, uevent := range map[string]string{
		"vda":  "DEVTYPE=disk\nDEVNAME=vda\n",
		"vda5": "DEVTYPE=partition\nDEVNAME=vda5\nPARTN=5\nPARTNAME=CAIRN-STATE\n",
		"vda2": "DEVTYPE=partition\nDEVNAME=vda2\nPARTN=2\nPARTNAME=CAIRN-A\n",
	} {
		d := dev
		if name != "vda" {
			d = filepath.Join(dev, name)
		}
		must(t, os.MkdirAll(d, 0o755))
		must(t, os.WriteFile(filepath.Join(d, "uevent"), []byte(uevent), 0o644))
		must(t, os.MkdirAll(sys, 0o755))
		must(t, os.Symlink(d, filepath.Join(sys, name)))
	}
	got, err := Find(sys, LabelState)
	if err != nil || got != (Device{Name: "vda5", Path: "/dev/vda5", Disk: "/dev/vda"}) {
		t.Fatalf("Find = %+v, %v", got, err)
	}
	if _, err := Find(sys, LabelEphemeral); err == nil || !strings.Contains(err.Error(), "CAIRN-EPHEMERAL") {
		t.Errorf("Find(missing) = %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
