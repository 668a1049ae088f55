package integration

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-os/cairn/internal/pkg/sandbox"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/client"
	"github.com/cairn-os/cairn/pkg/machinery/constants"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// TestServicesSandboxed reads from /proc what the kernel says about apid and trustd: as root
// (CI) machined runs them as their own uids in the cairn-api group, with no capability at all
// and no_new_privs; unprivileged, with machined's uid, still without capabilities.
func TestServicesSandboxed(t *testing.T) {
	pids := servicePIDs(t, shared.a.ip)
	root := os.Geteuid() == 0
	users := map[string]uint32{"apid": constants.ApidUID, "trustd": constants.TrustdUID}
	gids := map[string]uint32{"apid": constants.ApidGID, "trustd": constants.TrustdGID}
	for name, pid := range pids {
		got := readStatus(t, pid)
		want := sandbox.Status{NoNewPrivs: true, Seccomp: 2}
		if root {
			u, g := users[name], gids[name]
			want.UID, want.GID, want.Groups = [4]uint32{u, u, u, u}, [4]uint32{g, g, g, g}, []uint32{constants.APIGroupGID}
		} else {
			want.UID, want.GID, want.Groups, want.CapBnd = got.UID, got.GID, got.Groups, got.CapBnd
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s (pid %d) /proc status (-want +got):\n%s", name, pid, d)
		}
		if root {
			checkCgroup(t, name, pid)
		}
	}
	wantContains(t, "logs apid", mustCtl(t, shared.configs[role.Admin], "logs", "apid"), "msg=sandboxed", "no_new_privs=true")
	fi, err := os.Stat(filepath.Join(shared.a.state, "machined.sock"))
	if err != nil {
		t.Fatal(err)
	}
	want := os.FileMode(0o600)
	if root {
		want = 0o660
	}
	if fi.Mode().Perm() != want {
		t.Errorf("machined.sock mode %v, want %v", fi.Mode().Perm(), want)
	}
}

// checkCgroup checks that a service runs in its own cgroup v2 when machined could create
// one: under cairn/cairn-IP/ of the host's cgroup2 mount.
func checkCgroup(t *testing.T, name string, pid int) {
	t.Helper()
	mnt, err := sandbox.Cgroup2Mount()
	instance := "cairn-" + strings.ReplaceAll(shared.a.ip, ".", "-")
	if _, serr := os.Stat(filepath.Join(mnt, "cairn", instance)); err != nil || serr != nil {
		t.Logf("no cgroup of machined's services on this host (%v, %v): cgroup not checked", err, serr)
		return
	}
	cg, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if want := "0::/cairn/" + instance + "/" + name + "\n"; err != nil || !strings.Contains(string(cg), want) {
		t.Errorf("%s /proc/%d/cgroup = %q, %v, want %q", name, pid, cg, err, want)
	}
}

// servicePIDs returns the pids of a node's running apid and trustd.
func servicePIDs(t *testing.T, node string) map[string]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := adminClient(t, shared.configs[role.Reader]).Machine.ServiceList(client.WithNodes(ctx, node), &common.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	pids := map[string]int{}
	for _, s := range resp.GetMessages()[0].GetServices() {
		if s.GetState() == "Running" {
			pids[s.GetId()] = int(s.GetPid())
		}
	}
	if pids["apid"] == 0 || pids["trustd"] == 0 {
		t.Fatalf("apid and trustd are not both running on %s: %v", node, pids)
	}
	return pids
}

func readStatus(t *testing.T, pid int) sandbox.Status {
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

// TestSocketRefusesOtherUIDs connects to machined's socket as uid 65534 in the cairn-api group,
// which the socket's mode lets through: machined must close the connection (SO_PEERCRED) and
// log the refusal. Root only: switching a thread's uid needs the privilege.
func TestSocketRefusesOtherUIDs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("switching a thread to another uid needs root")
	}
	// The state directory is private: reach the socket as apid does, through a descriptor.
	sock, err := os.OpenFile(filepath.Join(shared.a.state, "machined.sock"), unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	path := fmt.Sprintf("/proc/self/fd/%d", sock.Fd())
	type result struct {
		data []byte
		err  error
	}
	res := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		if err := becomeThread(65534, constants.APIGroupGID); err != nil {
			res <- result{err: err}
			return
		}
		c, err := net.Dial("unix", path)
		if err != nil {
			res <- result{err: err}
			return
		}
		defer c.Close()
		// An admitted connection gets the gRPC server's HTTP/2 settings and stays open; the
		// deadline only bounds that failure.
		_ = c.SetDeadline(time.Now().Add(time.Minute))
		data, err := io.ReadAll(c)
		res <- result{data, err}
	}()
	r := <-res
	if r.err != nil || len(r.data) != 0 {
		t.Fatalf("uid 65534 on machined's socket: read %q, %v; want the connection closed at once", r.data, r.err)
	}
	waitFor(t, "machined to log the refusal", func() bool {
		return strings.Contains(shared.a.out.String(), "refused a connection to the local socket") && strings.Contains(shared.a.out.String(), "uid=65534")
	})
}

// becomeThread switches the calling thread alone (raw syscalls, not Go's process-wide ones)
// to uid with the one supplementary group.
func becomeThread(uid, group int) error {
	groups := []uint32{uint32(group)}
	if _, _, e := unix.RawSyscall(unix.SYS_SETGROUPS, 1, uintptr(unsafe.Pointer(&groups[0])), 0); e != 0 {
		return fmt.Errorf("setgroups: %w", e)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESGID, uintptr(uid), uintptr(uid), uintptr(uid)); e != 0 {
		return fmt.Errorf("setresgid: %w", e)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, uintptr(uid), uintptr(uid), uintptr(uid)); e != 0 {
		return fmt.Errorf("setresuid: %w", e)
	}
	return nil
}
