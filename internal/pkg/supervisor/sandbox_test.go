package supervisor

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-os/cairn/internal/pkg/sandbox"
)

// TestSandbox starts a real process in a sandbox and reads what the kernel says about it. As
// root the process runs as nobody with no capability at all, not even in its bounding set, in
// a cgroup of its own; otherwise only no_new_privs can be checked.
func TestSandbox(t *testing.T) {
	root := os.Geteuid() == 0
	sb := &Sandbox{NoNewPrivs: true}
	want := sandbox.Status{NoNewPrivs: true}
	if root {
		sb.Credential = &syscall.Credential{Uid: 65534, Gid: 65534, Groups: []uint32{49}}
		sb.Cgroup = testCgroup(t)
		want.UID, want.GID, want.Groups = [4]uint32{65534, 65534, 65534, 65534}, [4]uint32{65534, 65534, 65534, 65534}, []uint32{49}
	}
	sup, err := New(slog.New(slog.DiscardHandler), Options{},
		Spec{Name: "sandboxed", Sandbox: sb, Command: func() *exec.Cmd {
			c := exec.Command("sleep", "300")
			c.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
			return c
		}})
	if err != nil {
		t.Fatal(err)
	}
	if err := sup.StartAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer sup.StopAll()
	waitFor(t, "the sandboxed process to run", func() bool {
		st := sup.List()[0]
		if st.LastError != "" {
			t.Fatalf("sandboxed process: %s", st.LastError)
		}
		return st.State == StateRunning
	})
	pid := sup.List()[0].PID
	got := procStatus(t, pid)
	if !root {
		want = got
		want.NoNewPrivs = true
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("status of the sandboxed process (-want +got):\n%s", d)
	}
	if sb.Cgroup != "" {
		cg, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
		if !strings.Contains(string(cg), "0::/"+filepath.Base(filepath.Dir(sb.Cgroup))+"/sandboxed\n") {
			t.Errorf("/proc/%d/cgroup = %q, want the service's cgroup %s", pid, cg, sb.Cgroup)
		}
	}
	sup.StopAll()
	if _, err := os.Stat(sb.Cgroup); sb.Cgroup != "" && !os.IsNotExist(err) {
		t.Errorf("cgroup %s after the process exited: %v, want it removed", sb.Cgroup, err)
	}
}

// testCgroup returns a cgroup path for the test under the cgroup2 mount, or "" when this host
// has no cgroup2 mount that root may write to.
func testCgroup(t *testing.T) string {
	mnt, err := sandbox.Cgroup2Mount()
	if err != nil {
		t.Logf("no cgroup v2 mount: the cgroup part is not tested: %v", err)
		return ""
	}
	dir := filepath.Join(mnt, fmt.Sprintf("cairn-test-%d", os.Getpid()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Logf("cgroup v2 mount %s not writable: the cgroup part is not tested: %v", mnt, err)
		return ""
	}
	t.Cleanup(func() { _ = syscall.Rmdir(dir) })
	return filepath.Join(dir, "sandboxed")
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
