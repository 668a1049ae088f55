package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// nodeClient is a client of the given role talking to n's own endpoint.
func nodeClient(t *testing.T, n *node, r role.Role) *client.Client {
	t.Helper()
	cfg, err := clientconfig.Load(shared.configs[r])
	if err != nil {
		t.Fatal(err)
	}
	cc, _, err := cfg.Get("")
	if err != nil {
		t.Fatal(err)
	}
	cl, err := client.FromContext(cc, []string{n.ip})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

// fifoInVarLog creates a named pipe in /var/log (a tree Read allows) that nobody writes to:
// a file that never ends.
func fifoInVarLog(t *testing.T) string {
	t.Helper()
	p := filepath.Join("/var/log", fmt.Sprintf("cairn-it-%d.fifo", os.Getpid()))
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatalf("mkfifo %s (the integration tests run as root): %v", p, err)
	}
	t.Cleanup(func() { _ = os.Remove(p) })
	return p
}

// openFDs counts the descriptors of process pid.
func openFDs(t *testing.T, pid int) int {
	t.Helper()
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	return len(fds)
}

// TestReadNeverEndingFiles reads files that never end (the kernel log stream, a FIFO no one
// writes): each call must end (refused), leave no descriptor behind, and machined must still
// shut down when asked.
func TestReadNeverEndingFiles(t *testing.T) {
	n := privateNode(t, "127.0.0.21", "node-read")
	reader := nodeClient(t, n, role.Reader)
	fifo := fifoInVarLog(t)
	before := openFDs(t, n.cmd.Process.Pid)
	for _, tc := range []struct{ path, want string }{
		{"/proc/kmsg", `path: "/proc/kmsg" is a stream that never ends`},
		{fifo, fmt.Sprintf("path: %q is a named pipe, not a regular file", fifo)},
	} {
		var bad error
		for range 30 {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_, err := reader.Machine.Read(ctx, &machine.ReadRequest{Path: tc.path})
			cancel()
			if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), tc.want) {
				bad = err
			}
		}
		if bad != nil {
			t.Errorf("Read(%q) = %v, want InvalidArgument %q", tc.path, bad, tc.want)
		}
	}
	if after := openFDs(t, n.cmd.Process.Pid); after > before+5 {
		t.Errorf("machined holds %d descriptors after 60 refused reads, %d before", after, before)
	}
	shutdownCompletes(t, n)
}

// shutdownCompletes asks n to shut down through the API and waits for machined to exit on its
// own (the test's stop would otherwise kill it after 15s).
func shutdownCompletes(t *testing.T, n *node) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := nodeClient(t, n, role.Admin).Machine.Shutdown(ctx, &common.Empty{}); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	select {
	case <-n.done:
	case <-time.After(time.Minute):
		t.Fatalf("machined did not exit within a minute of Shutdown")
	}
}
