package integration

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/audit"
	"github.com/cairn-os/cairn/pkg/machinery/client"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

const (
	upgradeMethod  = "/cairn.machine.MachineService/Upgrade"
	rollbackMethod = "/cairn.machine.MachineService/Rollback"
)

// TestUpgradeInContainerMode: a container node has no disk slots, so an admin's Upgrade (of a
// file, or of a URL cairnctl fetches) and Rollback are refused with the reason and nothing
// changes; readers and operators are refused before that; an upload goes to one node per call;
// version says there are no slots; and the audit trail records every call with its caller and
// outcome.
func TestUpgradeInContainerMode(t *testing.T) {
	img := filepath.Join(t.TempDir(), "cairn.img")
	if err := os.WriteFile(img, make([]byte, 3<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, r := range []role.Role{role.Reader, role.Operator} {
		wantFail(t, shared.configs[r], []string{"upgrade", "--image", img}, "PermissionDenied", "needs one of [os:admin]")
		wantFail(t, shared.configs[r], []string{"rollback"}, "PermissionDenied", "needs one of [os:admin]")
	}
	admin := shared.configs[role.Admin]
	noSlots := "this node has no disk slots (container mode), so it cannot be upgraded in place: a container node runs the host's cairn binary, not an image on a disk; nothing was changed"
	wantFail(t, admin, []string{"upgrade", "--image", img, "--stage"}, "FailedPrecondition", noSlots)
	wantFail(t, admin, []string{"upgrade", "--image", img, "-n", "127.0.0.3"}, "node 127.0.0.3", "FailedPrecondition", noSlots)
	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Dir(img))))
	defer srv.Close()
	wantFail(t, admin, []string{"upgrade", "--image", srv.URL + "/cairn.img", "--stage"}, "FailedPrecondition", noSlots)
	wantFail(t, admin, []string{"rollback", "-n", "127.0.0.2,127.0.0.3"}, "node 127.0.0.2", "node 127.0.0.3", "cannot be rolled back in place")
	upgradeTwoNodes(t, adminClient(t, admin))

	out := mustCtl(t, shared.configs[role.Reader], "version", "-n", "127.0.0.2,127.0.0.3")
	if strings.Count(out, "\tSlots: none (container mode)\n") != 2 {
		t.Errorf("version does not say that either node has no slots:\n%s", out)
	}
	wantUpgradeAudit(t, "127.0.0.2", map[string]string{
		upgradeMethod + " reader PermissionDenied":              "",
		upgradeMethod + " operator PermissionDenied":            "",
		upgradeMethod + " admin FailedPrecondition":             "stage=true",
		rollbackMethod + " reader PermissionDenied":             "",
		rollbackMethod + " admin FailedPrecondition via node-a": "",
		upgradeMethod + " admin InvalidArgument":                "",
		rollbackMethod + " operator PermissionDenied":           "",
	})
	// The proxied upgrade is in the target's trail, naming the caller and the proxy.
	wantUpgradeAudit(t, "127.0.0.3", map[string]string{upgradeMethod + " admin FailedPrecondition via node-a": ""})
}

// upgradeTwoNodes: an Upgrade aimed at two nodes is refused, as every upload is.
func upgradeTwoNodes(t *testing.T, cl *client.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := cl.Machine.Upgrade(client.WithNodes(ctx, "127.0.0.2", "127.0.0.3"))
	if err == nil {
		_ = st.Send(&machine.UpgradeRequest{Chunk: []byte("x")})
		_, err = st.CloseAndRecv()
	}
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "one node per call") {
		t.Errorf("Upgrade to two nodes = %v, want InvalidArgument", err)
	}
}

// wantUpgradeAudit checks that node's audit trail holds a call event for each "method caller
// code[ via proxy]" key, whose arguments contain the key's value.
func wantUpgradeAudit(t *testing.T, node string, want map[string]string) {
	t.Helper()
	out := mustCtl(t, shared.configs[role.Auditor], "audit", "log", "-n", node, "-o", "json")
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		ev, err := audit.Decode([]byte(line))
		if err != nil {
			t.Fatalf("decode %q: %v", line, err)
		}
		key := ev.Method + " " + ev.Caller.Subject + " " + ev.Code
		for _, v := range ev.Via {
			key += " via " + v.Subject
		}
		if args, ok := want[key]; ok && ev.Kind == audit.KindCall && strings.Contains(ev.Args, args) {
			delete(want, key)
		}
	}
	for key, args := range want {
		t.Errorf("node %s's audit log has no event %q with arguments containing %q", node, key, args)
	}
}
