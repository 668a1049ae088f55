package init

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadLoadList(t *testing.T) {
	f := filepath.Join(t.TempDir(), "cairn.conf")
	if err := os.WriteFile(f, []byte("# comment\nloop\n\n  squashfs  \n#x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := readLoadList(f)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"loop", "squashfs"}, got); diff != "" {
		t.Errorf("readLoadList() (-want +got):\n%s", diff)
	}
	if _, err := readLoadList(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("readLoadList(missing) = nil error")
	}
}

func TestEarlyMounts(t *testing.T) {
	var got []string
	for _, p := range early {
		got = append(got, p.String())
	}
	want := []string{"mount -t devtmpfs devtmpfs /dev -o mode=0755", "mount -t proc proc /proc", "mount -t sysfs sysfs /sys"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("early mounts (-want +got):\n%s", diff)
	}
}
