package harness

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/procfs"

	"github.com/cairn-os/cairn/bench/compare/probe"
	"github.com/cairn-os/cairn/bench/compare/surface"
)

func TestArgsIdenticalButImage(t *testing.T) {
	base := vmSpec{MemMiB: 2048, CPUs: 2, SSHPort: 40022, APIPort: 40050, ConfigCmd: "/x/compare serve-config /w/c.yaml"}
	deb := withImage(base, &image{Kernel: "/d/vmlinuz", Initrd: "/d/initrd.img", Disk: "/d/disk.raw", Append: "root=/dev/vda console=ttyS0"}, "")
	cairn := withImage(base, &image{Kernel: "/c/vmlinuz", Initrd: "/c/initramfs", Disk: "/c/blank.raw", Append: "console=ttyS0 cairn.config=" + configURL}, "")
	a, b := deb.args(), cairn.args()
	if len(a) != len(b) {
		t.Fatalf("argument counts differ: %d vs %d", len(a), len(b))
	}
	var differ []string
	for i := range a {
		if a[i] != b[i] {
			differ = append(differ, a[i-1])
		}
	}
	if want := []string{"-kernel", "-initrd", "-append", "-drive"}; !cmp.Equal(differ, want) {
		t.Errorf("arguments after %v differ, want only after %v", differ, want)
	}
	joined := strings.Join(a, " ")
	for _, want := range []string{"-accel tcg", "-m 2048", "-smp 2", "restrict=on", "hostfwd=tcp:127.0.0.1:40022-:22",
		"hostfwd=tcp:127.0.0.1:40050-:50000", "guestfwd=tcp:10.0.2.100:80-cmd:/x/compare serve-config /w/c.yaml",
		"-snapshot", "virtio-net-pci", "virtio-rng-pci", "if=virtio"} {
		if !strings.Contains(joined, want) {
			t.Errorf("QEMU arguments lack %q: %s", want, joined)
		}
	}
	if strings.Contains(joined, "kvm") || strings.Contains(joined, "hostfwd=tcp::") || strings.Contains(joined, "0.0.0.0") {
		t.Errorf("QEMU arguments use KVM or a non-loopback forward: %s", joined)
	}
}

func TestArgsEscapeCommas(t *testing.T) {
	s := vmSpec{ConfigCmd: "/a,b serve-config /c"}
	if got := strings.Join(s.args(), " "); !strings.Contains(got, "cmd:/a,,b serve-config") {
		t.Errorf("comma not doubled for QEMU's option parser: %s", got)
	}
}

// fakeProc writes files under a temporary /proc and returns its root.
func fakeProc(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, data := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestProcessCPU(t *testing.T) {
	root := fakeProc(t, map[string]string{
		"4242/stat": "4242 (qemu-system-x86) S 1 4242 4242 0 -1 4194560 5000 0 0 0 1234 567 0 0 20 0 5 0 100 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
		// A command holding ") " must not shift the fields.
		"7/stat": "7 (a) b) R 1 7 7 0 -1 0 0 0 0 0 10 20 0 0 20 0 1 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
	})
	for pid, want := range map[int]float64{4242: 18.01, 7: 0.3} {
		if got, err := processCPU(root, pid); err != nil || math.Abs(got-want) > 1e-9 {
			t.Errorf("processCPU(%d) = %v, %v; want %v", pid, got, err, want)
		}
	}
	if _, err := processCPU(root, 99); err == nil {
		t.Error("processCPU(missing pid) = nil error")
	}
}

func TestSampleAndCores(t *testing.T) {
	a := sampleOf(procfs.CPUStat{User: 1.0, Nice: 0.1, System: 0.5, Idle: 10, Iowait: 0.2, IRQ: 0.05, SoftIRQ: 0.05})
	if math.Abs(a.busy-1.7) > 1e-9 || math.Abs(a.total-11.9) > 1e-9 {
		t.Errorf("sampleOf = %+v, want busy 1.7 total 11.9", a)
	}
	b := cpuSample{busy: a.busy + 3, total: a.total + 4}
	// 3 busy seconds in 2 s, 1 of them QEMU's: 2 s of CPU over 2 s = 1 core.
	if got := cores(a, b, 1, 2*time.Second); math.Abs(got-1) > 1e-9 {
		t.Errorf("cores = %v, want 1", got)
	}
}

func TestListening(t *testing.T) {
	for _, tc := range []struct {
		proto, state string
		want         bool
	}{
		{"tcp", "LISTEN", true}, {"tcp6", "LISTEN", true}, {"tcp", "ESTABLISHED", false},
		{"udp", "UNCONN", true}, {"udp6", "UNCONN", true}, {"udp", "", false},
	} {
		if got := listening(tc.proto, tc.state); got != tc.want {
			t.Errorf("listening(%q, %q) = %v, want %v", tc.proto, tc.state, got, tc.want)
		}
	}
}

func TestRows(t *testing.T) {
	res := &results{
		runs: []bootRun{
			{N: 1, OS: osDebian, Seconds: 33}, {N: 1, OS: osCairn, Seconds: 8},
			{N: 2, OS: osDebian, Seconds: 31}, {N: 2, OS: osCairn, Err: "timeout"},
			{N: 3, OS: osDebian, Seconds: 35}, {N: 3, OS: osCairn, Seconds: 9},
		},
		cairn: osResult{img: &image{}, components: 2, surface: &surface.Figures{ELFExecutables: 1},
			runtime: runtimeFigures{UsedBytes: 50 << 20, Sockets: []string{"tcp LISTEN :::50000"}}},
		debian: osResult{img: &image{}, components: 231, surface: &surface.Figures{ELFExecutables: 578, Shells: []string{"sh", "bash"}},
			runtime: runtimeFigures{Err: "probe block not seen"}},
	}
	got := map[string][3]string{}
	for _, r := range rows(res, true) {
		got[r.Metric] = [3]string{r.Cairn.Text, r.Debian.Text, r.RatioText()}
	}
	for metric, want := range map[string][3]string{
		"boot: QEMU start → endpoint answers (s, median (min–max))": {"8.50 (8.00–9.00), 1 failed", "33.00 (31.00–35.00)", "3.88×"},
		"boot: spread max−min (s)":                                  {"1.00", "4.00", "4.00×"},
		"memory in use after idle, MemTotal−MemAvailable (MiB)":     {"50.0", "n/a (see notes)", "n/a"},
		"ELF executables in the root":                               {"1", "578", "578×"},
		"shells":                                                    {"0", "2: sh bash", "∞ (Cairn: 0)"},
		"kernel (MiB)":                                              {"n/a (not measured)", "n/a (not measured)", "n/a"},
	} {
		if got[metric] != want {
			t.Errorf("row %q = %q, want %q", metric, got[metric], want)
		}
	}
	if n := len(rows(res, false)); n != 14 {
		t.Errorf("rows without boots = %d, want the 14 offline rows", n)
	}
}

func TestShellJoin(t *testing.T) {
	got := shellJoin([]string{"qemu", "-append", "root=/dev/vda console=ttyS0", "it's"})
	if want := `qemu -append 'root=/dev/vda console=ttyS0' 'it'\''s'`; got != want {
		t.Errorf("shellJoin = %s, want %s", got, want)
	}
}

func TestValidate(t *testing.T) {
	o := &Options{Runs: 0, MemMiB: 128, CPUs: 0, Timeout: time.Second}
	err := o.validate()
	for _, want := range []string{"-runs: 0", "-memory: 128", "-cpus: 0"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("validate() = %v, want it to name %q", err, want)
		}
	}
}

func TestProcList(t *testing.T) {
	procs := []probe.Proc{
		{PID: 1, RSSBytes: 30 << 20, Command: "machined"}, {PID: 2, Command: "kthreadd"},
		{PID: 9, PPID: 2, Command: "kworker/0:1"}, {PID: 103, PPID: 1, RSSBytes: 45 << 20, Command: "apid"},
	}
	if got, want := procList(procs), "apid 45.0 MiB, machined 30.0 MiB"; got != want {
		t.Errorf("procList = %q, want %q", got, want)
	}
	if got := procList(nil); got != "none" {
		t.Errorf("procList(nil) = %q, want none", got)
	}
}

func TestRoleName(t *testing.T) {
	for _, tc := range []struct{ command, args, want string }{
		{"cairn", "/sbin/apid --flag", "apid"}, {"cairn", "cairn trustd --socket /s", "trustd"},
		{"cairn", "/bin/cairn --help", "cairn"}, {"cairn", "", "cairn"}, {"machined", "machined", "machined"},
	} {
		if got := roleName(tc.command, tc.args); got != tc.want {
			t.Errorf("roleName(%q, %q) = %q, want %q", tc.command, tc.args, got, tc.want)
		}
	}
}

func TestCoresNeverNegative(t *testing.T) {
	if got := cores(cpuSample{busy: 1}, cpuSample{busy: 1.1}, 0.2, time.Second); got != 0 {
		t.Errorf("cores with more QEMU time than busy time = %v, want 0", got)
	}
}
