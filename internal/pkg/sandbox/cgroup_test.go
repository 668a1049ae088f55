package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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

// fakeHierarchy lays out, in a temporary directory, the files of a cgroup v2 mount offering
// controllers and of its cgroup /cairn, as the kernel would have them.
func fakeHierarchy(t *testing.T, controllers string) string {
	t.Helper()
	mnt := t.TempDir()
	must(t, os.Mkdir(filepath.Join(mnt, "cairn"), 0o755))
	must(t, os.WriteFile(filepath.Join(mnt, "cgroup.controllers"), []byte(controllers+"\n"), 0o644))
	for _, d := range []string{mnt, filepath.Join(mnt, "cairn")} {
		must(t, os.WriteFile(filepath.Join(d, "cgroup.subtree_control"), nil, 0o644))
	}
	return mnt
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestNewCgroup checks, on a fake hierarchy, what NewCgroup writes through containerd/cgroups:
// the controllers in each parent's cgroup.subtree_control and the limits in their files; and
// what it leaves out, and says so, where the hierarchy lacks a controller.
func TestNewCgroup(t *testing.T) {
	all := Limits{MemoryMax: 256 << 20, PidsMax: 256, CPUWeight: 100}
	tests := []struct {
		name, controllers string
		limits            Limits
		want              map[string]string // file below the mount: content; "" absent
		wantUnenforced    []string
	}{
		{name: "all offered", controllers: "cpuset cpu io memory hugetlb pids rdma misc", limits: all, want: map[string]string{
			"cgroup.subtree_control": "+cpu +memory +pids", "cairn/cgroup.subtree_control": "+cpu +memory +pids",
			"cairn/apid/memory.max": "268435456", "cairn/apid/pids.max": "256", "cairn/apid/cpu.weight": "100",
		}},
		{name: "memory only", controllers: "memory", limits: Limits{MemoryMax: 1 << 20}, want: map[string]string{
			"cairn/cgroup.subtree_control": "+memory", "cairn/apid/memory.max": "1048576", "cairn/apid/pids.max": "",
		}},
		{name: "hybrid host", controllers: "hugetlb", limits: all, want: map[string]string{
			"cairn/cgroup.subtree_control": "", "cairn/apid/memory.max": "", "cairn/apid/pids.max": "", "cairn/apid/cpu.weight": "",
		}, wantUnenforced: []string{
			"memory.max: the cgroup v2 hierarchy has no memory controller (bound to cgroup v1 on this host?)",
			"pids.max: the cgroup v2 hierarchy has no pids controller (bound to cgroup v1 on this host?)",
			"cpu.weight: the cgroup v2 hierarchy has no cpu controller (bound to cgroup v1 on this host?)",
		}},
		{name: "no limits", controllers: "cpu memory pids", want: map[string]string{"cairn/apid/memory.max": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mnt := fakeHierarchy(t, tt.controllers)
			cg, err := NewCgroup(CgroupPath{Mount: mnt, Group: "/cairn/apid"}, tt.limits)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.wantUnenforced, cg.Unenforced); d != "" {
				t.Errorf("Unenforced (-want +got):\n%s", d)
			}
			for file, want := range tt.want {
				got, _ := os.ReadFile(filepath.Join(mnt, file))
				if string(got) != want {
					t.Errorf("%s = %q, want %q", file, got, want)
				}
			}
		})
	}
}

// TestNewCgroupControllersRefused: when the controllers cannot be enabled (here the parent's
// cgroup.subtree_control cannot be opened for writing), the cgroup is created without limits
// and names each with the error.
func TestNewCgroupControllersRefused(t *testing.T) {
	mnt := fakeHierarchy(t, "cpu memory pids")
	sc := filepath.Join(mnt, "cairn", "cgroup.subtree_control")
	must(t, os.Remove(sc))
	must(t, os.Mkdir(sc, 0o755))
	cg, err := NewCgroup(CgroupPath{Mount: mnt, Group: "/cairn/apid"}, Limits{MemoryMax: 1 << 20, PidsMax: 8})
	if err != nil {
		t.Fatal(err)
	}
	if len(cg.Unenforced) != 2 || !strings.HasPrefix(cg.Unenforced[0], "memory.max: not set: failed to write subtree controllers [memory pids] to \""+sc+"\"") ||
		!strings.HasPrefix(cg.Unenforced[1], "pids.max: not set: ") {
		t.Errorf("Unenforced = %q, want memory.max and pids.max not set, with the error", cg.Unenforced)
	}
	if fi, err := os.Stat(filepath.Join(mnt, "cairn", "apid")); err != nil || !fi.IsDir() {
		t.Errorf("cgroup directory: %v, want it created without limits", err)
	}
	if _, err := os.Stat(filepath.Join(mnt, "cairn", "apid", "memory.max")); !os.IsNotExist(err) {
		t.Errorf("memory.max: %v, want none written", err)
	}
}

func TestLimitsValidate(t *testing.T) {
	tests := []struct {
		limits Limits
		want   string
	}{
		{Limits{}, ""},
		{Limits{MemoryMax: 1, PidsMax: 1, CPUWeight: 10000}, ""},
		{Limits{MemoryMax: -1}, "memory.max -1: want 0 (no limit) or more bytes"},
		{Limits{PidsMax: -2, CPUWeight: 10001}, "pids.max -2: want 0 (no limit) or more\ncpu.weight 10001: want 1 to 10000, or 0 (the default)"},
	}
	for _, tt := range tests {
		err := tt.limits.Validate()
		if got := fmt.Sprint(err); (tt.want == "" && err != nil) || (tt.want != "" && got != tt.want) {
			t.Errorf("%+v.Validate() = %v, want %q", tt.limits, err, tt.want)
		}
	}
	if _, err := NewCgroup(CgroupPath{Mount: t.TempDir(), Group: "/x"}, Limits{CPUWeight: 20000}); err == nil || !strings.Contains(err.Error(), "cpu.weight 20000") {
		t.Errorf("NewCgroup with cpu.weight 20000 = %v, want the error naming it", err)
	}
}

func TestReadUsageMissing(t *testing.T) {
	p := CgroupPath{Mount: t.TempDir(), Group: "/gone"}
	if _, err := ReadUsage(p); err == nil || !strings.HasPrefix(err.Error(), "cgroup "+p.Dir()+": ") {
		t.Errorf("ReadUsage(%s) = %v, want an error naming the cgroup", p.Dir(), err)
	}
}
