package supervisor

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-os/cairn/internal/pkg/sandbox"
)

// testLimits are the limits the sandboxed test service gets.
var testLimits = sandbox.Limits{MemoryMax: 64 << 20, PidsMax: 32, CPUWeight: 50}

// TestSandbox starts a real process in a sandbox and reads what the kernel says about it. As
// root the process runs as nobody with no capability at all, not even in its bounding set, in
// a cgroup of its own with the service's limits; otherwise only no_new_privs can be checked.
func TestSandbox(t *testing.T) {
	root := os.Geteuid() == 0
	sb := &Sandbox{NoNewPrivs: true}
	want := sandbox.Status{NoNewPrivs: true}
	if root {
		sb.Credential = &syscall.Credential{Uid: 65534, Gid: 65534, Groups: []uint32{49}}
		sb.Cgroup = testCgroup(t)
		want.UID, want.GID, want.Groups = [4]uint32{65534, 65534, 65534, 65534}, [4]uint32{65534, 65534, 65534, 65534}, []uint32{49}
	}
	sup := runSandboxed(t, sb)
	defer sup.StopAll()
	pid := sup.List()[0].PID
	got := procStatus(t, pid)
	if !root {
		want = got
		want.NoNewPrivs = true
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("status of the sandboxed process (-want +got):\n%s", d)
	}
	if sb.Cgroup != (sandbox.CgroupPath{}) {
		checkCgroup(t, sup.List()[0], pid)
	}
	sup.StopAll()
	if _, err := os.Stat(sb.Cgroup.Dir()); sb.Cgroup.Group != "" && !os.IsNotExist(err) {
		t.Errorf("cgroup %s after the process exited: %v, want it removed", sb.Cgroup.Dir(), err)
	}
}

// runSandboxed starts a service that burns a little CPU, then sleeps, and waits until it
// runs.
func runSandboxed(t *testing.T, sb *Sandbox) *Supervisor {
	t.Helper()
	sup, err := New(slog.New(slog.DiscardHandler), Options{},
		Spec{Name: "sandboxed", Sandbox: sb, Limits: testLimits, Command: func() *exec.Cmd {
			c := exec.Command("sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exec sleep 300")
			c.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
			return c
		}})
	if err != nil {
		t.Fatal(err)
	}
	if err := sup.StartAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the sandboxed process to sleep", func() bool {
		st := sup.List()[0]
		if st.LastError != "" {
			t.Fatalf("sandboxed process: %s", st.LastError)
		}
		cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", st.PID))
		return st.State == StateRunning && string(cmd) == "sleep\n"
	})
	return sup
}

// checkCgroup checks the service's cgroup: the process runs in it, and each limit is either
// in its file with its controller enabled in the parent's cgroup.subtree_control, or reported
// unenforced because the hierarchy truly lacks the controller (a hybrid development host);
// its use is read through containerd/cgroups.
func checkCgroup(t *testing.T, st Status, pid int) {
	dir := st.Cgroup.Dir()
	if cg, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid)); !strings.Contains(string(cg), "0::"+st.Cgroup.Group+"\n") {
		t.Errorf("/proc/%d/cgroup = %q, want the service's cgroup %s", pid, cg, st.Cgroup.Group)
	}
	offered := strings.Fields(readFile(t, filepath.Join(st.Cgroup.Mount, "cgroup.controllers")))
	subtree := strings.Fields(readFile(t, filepath.Join(filepath.Dir(dir), "cgroup.subtree_control")))
	limits := []struct{ file, controller, want string }{
		{"memory.max", "memory", "67108864"}, {"pids.max", "pids", "32"}, {"cpu.weight", "cpu", "50"},
	}
	for _, l := range limits {
		why := l.file + ": the cgroup v2 hierarchy has no " + l.controller + " controller (bound to cgroup v1 on this host?)"
		switch {
		case !slices.Contains(offered, l.controller):
			if !slices.Contains(st.Unenforced, why) {
				t.Errorf("the hierarchy lacks %s, yet the status's unenforced limits %q do not say %q", l.controller, st.Unenforced, why)
			}
			t.Logf("this host's cgroup v2 hierarchy has no %s controller: %s not tested", l.controller, l.file)
		case !slices.Contains(subtree, l.controller):
			t.Errorf("%s not enabled in the parent's cgroup.subtree_control %q", l.controller, subtree)
		default:
			if got := strings.TrimSpace(readFile(t, filepath.Join(dir, l.file))); got != l.want {
				t.Errorf("%s = %q, want %q", l.file, got, l.want)
			}
		}
	}
	checkUsage(t, st.Cgroup, offered)
}

// checkUsage reads the cgroup's use where the hierarchy has the controllers (a hybrid host
// accounts no CPU time in cgroup v2 either): some CPU time, memory and its one process.
func checkUsage(t *testing.T, p sandbox.CgroupPath, offered []string) {
	t.Helper()
	u, err := sandbox.ReadUsage(p)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(offered, "cpu") && u.CPUUsageUsec == 0 {
		t.Errorf("ReadUsage(%s) CPU usage 0 after a busy loop", p.Dir())
	}
	if slices.Contains(offered, "memory") && u.MemoryCurrent == 0 {
		t.Errorf("ReadUsage(%s) memory.current 0 with a live process", p.Dir())
	}
	if slices.Contains(offered, "pids") && u.PidsCurrent != 1 {
		t.Errorf("ReadUsage(%s) pids.current %d, want 1 (sleep)", p.Dir(), u.PidsCurrent)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// testCgroup returns a cgroup for the test under the cgroup2 mount, or the zero path when
// this host has no cgroup2 mount that root may write to.
func testCgroup(t *testing.T) sandbox.CgroupPath {
	mnt, err := sandbox.Cgroup2Mount()
	if err != nil {
		t.Logf("no cgroup v2 mount: the cgroup part is not tested: %v", err)
		return sandbox.CgroupPath{}
	}
	parent := fmt.Sprintf("/cairn-test-%d", os.Getpid())
	if err := os.Mkdir(filepath.Join(mnt, parent), 0o755); err != nil {
		t.Logf("cgroup v2 mount %s not writable: the cgroup part is not tested: %v", mnt, err)
		return sandbox.CgroupPath{}
	}
	t.Cleanup(func() { _ = syscall.Rmdir(filepath.Join(mnt, parent)) })
	return sandbox.CgroupPath{Mount: mnt, Group: parent + "/sandboxed"}
}

func procStatus(t *testing.T, pid int) sandbox.Status {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := sandbox.ParseStatus(f)
	if err != nil {
		t.Fatal(err)
	}
	return st
}
