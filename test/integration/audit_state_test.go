package integration

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// restart stops the node with SIGTERM, lets change damage its state, and starts it again.
func (n *node) restart(t *testing.T, change func(auditDir string)) {
	t.Helper()
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	waitFor(t, "machined to stop", n.exited)
	change(filepath.Join(n.state, "audit"))
	if err := n.start(); err != nil {
		t.Fatal(err)
	}
	if err := waitReady(n, shared.configs[role.Admin]); err != nil {
		t.Fatalf("the node did not come back after its audit state was changed: %v", err)
	}
}

// onlySegment is the path of the audit log's single segment.
func onlySegment(t *testing.T, dir string) string {
	t.Helper()
	segs, _ := filepath.Glob(filepath.Join(dir, "audit-*.jsonl"))
	if len(segs) != 1 {
		t.Fatalf("audit segments %v, want exactly one", segs)
	}
	return segs[0]
}

// TestAuditStateDamageIsDetected: with the node's STATE written behind its back, a cut tail
// fails verify, a byte that breaks the JSON does not stop the node (the segment is moved aside
// and the gap recorded), and a wiped log shows where the history restarts.
func TestAuditStateDamageIsDetected(t *testing.T) {
	n := privateNode(t, "127.0.0.6", "node-r")
	auditor := shared.configs[role.Auditor]
	verify := []string{"audit", "verify", "-e", "127.0.0.6"}
	mustCtl(t, shared.configs[role.Admin], "services", "-e", "127.0.0.6")
	wantContains(t, "verify of the first run", mustCtl(t, auditor, verify...),
		"node-r: OK", "boot at seq 1", "no earlier history found: the chain starts here")

	n.restart(t, func(dir string) {
		seg := onlySegment(t, dir)
		data, err := os.ReadFile(seg)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitAfter(strings.TrimSuffix(string(data), "\n"), "\n")
		if err := os.WriteFile(seg, []byte(strings.Join(lines[:len(lines)-2], "")), 0o600); err != nil {
			t.Fatal(err)
		}
	})
	code, out, _ := ctl(t, auditor, verify...)
	if code != 1 {
		t.Errorf("verify after the last events were deleted: exit %d, want 1", code)
	}
	wantContains(t, "verify after the last events were deleted", out, "node-r: BROKEN", "without a shutdown record")

	n.restart(t, func(dir string) {
		seg := onlySegment(t, dir)
		data, err := os.ReadFile(seg)
		if err != nil {
			t.Fatal(err)
		}
		data[0] = '#'
		if err := os.WriteFile(seg, data, 0o600); err != nil {
			t.Fatal(err)
		}
	})
	_, out, _ = ctl(t, auditor, verify...)
	wantContains(t, "verify after a corrupt segment", out, "gap: events 1..", "were moved aside as corrupt")
	if q, _ := filepath.Glob(filepath.Join(n.state, "audit", "quarantine", "audit-*")); len(q) != 1 {
		t.Errorf("quarantine holds %v, want the corrupt segment", q)
	}

	n.restart(t, func(dir string) {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
	})
	wantContains(t, "verify after the log was wiped (as a tmpfs STATE is at reboot)", mustCtl(t, auditor, verify...),
		"node-r: OK", "from genesis: true", "boot at seq 1", "no earlier history found: the chain starts here")
}
