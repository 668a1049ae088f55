//go:build e2e

package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/cairn-os/cairn/internal/pkg/sandbox"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/constants"
)

// checkSandboxed reads, over the API, what the node's kernel says about apid and trustd: each
// runs as its own uid in the cairn-api group, with no capability at all (not even in its
// bounding set), with no_new_privs and a seccomp filter, in its own cgroup under /cairn, and
// with no file access.
func checkSandboxed(t *testing.T, e *env) {
	t.Helper()
	var list machine.ServiceListResponse
	if err := protojson.Unmarshal([]byte(e.must("services", "-o", "json")), &list); err != nil {
		t.Fatalf("services -o json: %v", err)
	}
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
	}
	if seen != len(ids) {
		t.Errorf("services -o json lists %d of apid and trustd, want both", seen)
	}
	// Landlock took their file access away (the image's binary has no cgo).
	for id := range ids {
		if logs := e.must("logs", id); !strings.Contains(logs, "msg=sandboxed") || !strings.Contains(logs, "files_denied=true") || strings.Contains(logs, "sandbox incomplete") {
			t.Errorf("%s logs do not show a complete sandbox:\n%s", id, logs)
		}
	}
}
