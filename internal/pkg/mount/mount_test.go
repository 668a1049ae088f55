package mount

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const sampleInfo = `22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:5 - proc proc rw
25 1 7:0 / / ro,relatime - squashfs /dev/loop0 ro
30 25 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate
31 25 0:27 /upper /my\040dir rw - overlay overlay rw,lowerdir=/etc
`

func TestParseMountInfo(t *testing.T) {
	got, err := ParseMountInfo(strings.NewReader(sampleInfo))
	if err != nil {
		t.Fatal(err)
	}
	want := []Info{
		{ID: 22, Parent: 1, Root: "/", Target: "/proc", FSType: "proc", Source: "proc"},
		{ID: 25, Parent: 1, Root: "/", Target: "/", FSType: "squashfs", Source: "/dev/loop0"},
		{ID: 30, Parent: 25, Root: "/", Target: "/sys/fs/cgroup", FSType: "cgroup2", Source: "cgroup2"},
		{ID: 31, Parent: 25, Root: "/upper", Target: "/my dir", FSType: "overlay", Source: "overlay"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseMountInfo() (-want +got):\n%s", diff)
	}
	if _, err := ParseMountInfo(strings.NewReader("1 2 3\n")); err == nil {
		t.Error("ParseMountInfo(short line) = nil error, want error")
	}
}

func TestPointString(t *testing.T) {
	p := Point{Source: "tmpfs", Target: "/run", FSType: "tmpfs", Data: "mode=0755"}
	if got, want := p.String(), "mount -t tmpfs tmpfs /run -o mode=0755"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func FuzzParseMountInfo(f *testing.F) {
	f.Add(sampleInfo)
	f.Fuzz(func(t *testing.T, in string) {
		infos, err := ParseMountInfo(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, i := range infos {
			if len(i.Target) > len(in) {
				t.Fatalf("target %q longer than the input", i.Target)
			}
		}
	})
}
