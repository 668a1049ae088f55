package sandbox

import (
	"strings"
	"testing"
)

func TestFindCgroup2(t *testing.T) {
	tests := []struct {
		name, in, want, wantErr string
	}{
		{name: "node", in: "22 1 0:21 / /sys rw - sysfs sysfs rw\n36 22 0:30 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate\n", want: "/sys/fs/cgroup"},
		{name: "hybrid", in: "30 25 0:26 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n31 25 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n", want: "/sys/fs/cgroup/unified"},
		{name: "escaped", in: "31 25 0:27 / /mnt/my\\040cgroup rw - cgroup2 none rw\n", want: "/mnt/my cgroup"},
		{name: "none", in: "30 25 0:26 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n", wantErr: "no cgroup2 mount"},
		{name: "short", in: "31 25 - cgroup2\n", wantErr: "read mountinfo: parsing '31 25 - cgroup2' failed: not enough fields (4)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FindCgroup2(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("FindCgroup2() = %q, %v, want error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("FindCgroup2() = %q, %v, want %q", got, err, tt.want)
			}
		})
	}
}

func FuzzFindCgroup2(f *testing.F) {
	f.Add("36 22 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n")
	f.Add("1 2 3 4 /a\\1 - cgroup2\n")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := FindCgroup2(strings.NewReader(in))
		if err == nil && got == "" && !strings.Contains(in, " ") {
			t.Errorf("FindCgroup2(%q) = empty path without error", in)
		}
	})
}
