package init

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

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
