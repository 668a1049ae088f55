package init

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/cairn-os/cairn/internal/pkg/cmdline"
	"github.com/cairn-os/cairn/internal/pkg/devmapper"
)

var (
	hash = strings.Repeat("ab", 32)
	salt = strings.Repeat("5a", 32)
)

func TestParseDiskArgs(t *testing.T) {
	c := cmdline.Parse("console=ttyS0 cairn.slot=b cairn.verity.roothash=" + hash + " cairn.verity.salt=" + salt +
		" cairn.verity.hashoffset=8192")
	d, err := parseDiskArgs(c)
	if err != nil {
		t.Fatal(err)
	}
	if d.PartName != "CAIRN-B" || d.Verity.HashOffset != 8192 || d.Verity.RootHash[0] != 0xab || d.Verity.Salt[31] != 0x5a {
		t.Errorf("parseDiskArgs = %+v", d)
	}
	want := devmapper.Verity{DataDev: "/dev/vda3", HashDev: "/dev/vda3", DataBlocks: 2, HashStartBlock: 3, RootHash: d.Verity.RootHash, Salt: d.Verity.Salt}
	if diff := cmp.Diff(want, d.verity("/dev/vda3")); diff != "" {
		t.Errorf("verity (-want +got):\n%s", diff)
	}
	if d, err := parseDiskArgs(cmdline.Parse("console=ttyS0 cairn.verity.roothash=x")); d != nil || err != nil {
		t.Errorf("parseDiskArgs(no cairn.slot) = %v, %v; want nil, nil (the root in RAM)", d, err)
	}
}

func TestParseDiskArgsErrorsNameEveryField(t *testing.T) {
	tests := []struct{ line, want string }{
		{"cairn.slot=c cairn.verity.roothash=" + hash + " cairn.verity.salt=" + salt + " cairn.verity.hashoffset=4096", `cairn.slot: "c" is not a or b`},
		{"cairn.slot=a", "cairn.verity.roothash: missing"},
		{"cairn.slot=a", "cairn.verity.salt: missing"},
		{"cairn.slot=a", "cairn.verity.hashoffset: missing"},
		{"cairn.slot=a cairn.verity.roothash=" + hash[:62], `cairn.verity.roothash: "` + hash[:62] + `" is not 64 lowercase hex digits`},
		{"cairn.slot=a cairn.verity.salt=zz" + salt[2:], `cairn.verity.salt: "zz`},
		{"cairn.slot=a cairn.verity.hashoffset=4097", `cairn.verity.hashoffset: 4097 is not a multiple of 4096`},
		{"cairn.slot=a cairn.verity.hashoffset=0", `cairn.verity.hashoffset: "0"`},
		{"cairn.slot=a cairn.verity.hashoffset=-4096", `cairn.verity.hashoffset: "-4096"`},
	}
	for _, tt := range tests {
		d, err := parseDiskArgs(cmdline.Parse(tt.line))
		if err == nil || d != nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parseDiskArgs(%q) = %v, %v; want an error containing %q", tt.line, d, err, tt.want)
		}
	}
}

func TestIsInitramfsFS(t *testing.T) {
	for typ, want := range map[int64]bool{unix.RAMFS_MAGIC: true, unix.TMPFS_MAGIC: true, unix.SQUASHFS_MAGIC: false, unix.EXT4_SUPER_MAGIC: false} {
		if got := isInitramfsFS(typ); got != want {
			t.Errorf("isInitramfsFS(%#x) = %v, want %v", typ, got, want)
		}
	}
}

func FuzzParseDiskArgs(f *testing.F) {
	f.Add("cairn.slot=a cairn.verity.roothash=" + hash + " cairn.verity.salt=" + salt + " cairn.verity.hashoffset=4096")
	f.Fuzz(func(t *testing.T, line string) {
		d, err := parseDiskArgs(cmdline.Parse(line))
		if err == nil && d != nil && (len(d.Verity.RootHash) != 32 || d.Verity.HashOffset%devmapper.BlockSize != 0 || d.Verity.HashOffset <= 0) {
			t.Errorf("parseDiskArgs(%q) accepted %+v", line, d)
		}
	})
}
