//go:build e2e

package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/cairn-os/cairn/internal/pkg/sandbox"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/constants"
)

// checkSandboxed reads, over the API, what the node's kernel says about apid and trustd: each
// runs as its own uid in the cairn-api group, with no capability at all (not even in its
// bounding set), with no_new_privs and a seccomp filter (which the service list reports too),
// in its own cgroup under /cairn with its limits enforced, and with no file access.
func checkSandboxed(t *testing.T, e *env) {
	t.Helper()
	// A service is sandboxed (its filter installed) before it serves, and Running means it
	// serves: read the list once both are Running (trustd may still be starting after boot).
	var list machine.ServiceListResponse
	waitFor(t, "apid and trustd Running", time.Minute, func() error {
		if err := protojson.Unmarshal([]byte(e.must("services", "-o", "json")), &list); err != nil {
			return err
		}
		for _, s := range list.GetMessages()[0].GetServices() {
			if (s.GetId() == "apid" || s.GetId() == "trustd") && s.GetState() != "Running" {
				return fmt.Errorf("%s is %s", s.GetId(), s.GetState())
			}
		}
		return nil
	})
	ids := map[string][2]uint32{
		"apid":   {constants.ApidUID, constants.ApidGID},
		"trustd": {constants.TrustdUID, constants.TrustdGID},
	}
	seen := 0
	for _, s := range list.GetMessages()[0].GetServices() {
		id, ok := ids[s.GetId()]
		if !ok {
			continue
		}
		seen++
		st, err := sandbox.ParseStatus(strings.NewReader(e.must("read", fmt.Sprintf("/proc/%d/status", s.GetPid()))))
		if err != nil {
			t.Fatalf("%s status: %v", s.GetId(), err)
		}
		u, g := id[0], id[1]
		want := sandbox.Status{UID: [4]uint32{u, u, u, u}, GID: [4]uint32{g, g, g, g}, Groups: []uint32{constants.APIGroupGID}, NoNewPrivs: true, Seccomp: 2}
		if d := cmp.Diff(want, st); d != "" {
			t.Errorf("%s (pid %d) /proc status (-want +got):\n%s", s.GetId(), s.GetPid(), d)
		}
		cg := e.must("read", fmt.Sprintf("/proc/%d/cgroup", s.GetPid()))
		if wantCg := "0::/cairn/" + s.GetId() + "\n"; cg != wantCg {
			t.Errorf("%s /proc/%d/cgroup = %q, want %q", s.GetId(), s.GetPid(), cg, wantCg)
		}
		if s.GetSeccomp() != "filter" {
			t.Errorf("%s seccomp mode %q in the service list, want \"filter\"", s.GetId(), s.GetSeccomp())
		}
		checkLimits(t, e, s)
	}
	if seen != len(ids) {
		t.Errorf("services -o json lists %d of apid and trustd, want both", seen)
	}
	if out := e.must("service", "apid"); !strings.Contains(out, " filter ") || !strings.Contains(out, "/256.0MiB") ||
		!strings.Contains(out, "(weight 100)") || strings.Contains(out, "not enforced") {
		t.Errorf("service apid does not show its seccomp filter and enforced limits:\n%s", out)
	}
	// Landlock took their file access away (the image's binary has no cgo).
	for id := range ids {
		if logs := e.must("logs", id); !strings.Contains(logs, "msg=sandboxed") || !strings.Contains(logs, "files_denied=true") || strings.Contains(logs, "sandbox incomplete") {
			t.Errorf("%s logs do not show a complete sandbox:\n%s", id, logs)
		}
	}
}

// serviceLimits are the cgroup files of each service's limits and their values on a node.
var serviceLimits = map[string]map[string]string{
	"apid":   {"memory.max": "268435456", "pids.max": "256", "cpu.weight": "100"},
	"trustd": {"memory.max": "134217728", "pids.max": "128", "cpu.weight": "50"},
}

// checkLimits reads, over the API, a service's cgroup files: its limits are written, its
// controllers enabled in /cairn's cgroup.subtree_control, the service list reports them all
// enforced, and its use (memory, processes) is read.
func checkLimits(t *testing.T, e *env, s *machine.ServiceInfo) {
	t.Helper()
	dir := "/sys/fs/cgroup/cairn/" + s.GetId()
	for file, want := range serviceLimits[s.GetId()] {
		if got := strings.TrimSpace(e.must("read", dir+"/"+file)); got != want {
			t.Errorf("%s/%s = %q, want %q", dir, file, got, want)
		}
	}
	subtree := strings.Fields(e.must("read", "/sys/fs/cgroup/cairn/cgroup.subtree_control"))
	for _, c := range []string{"cpu", "memory", "pids"} {
		if !slices.Contains(subtree, c) {
			t.Errorf("/sys/fs/cgroup/cairn/cgroup.subtree_control %q lacks %s", subtree, c)
		}
	}
	cg := s.GetCgroup()
	if len(cg.GetUnenforced()) != 0 || cg.GetMemoryCurrent() == 0 || cg.GetPidsCurrent() == 0 {
		t.Errorf("%s cgroup in the service list: %v, want every limit enforced and its use read", s.GetId(), cg)
	}
}
