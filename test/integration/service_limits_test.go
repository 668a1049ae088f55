package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/cairn-os/cairn/internal/pkg/sandbox"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// serviceLimit is one limit of apid's definition: its cgroup file, controller and value.
type serviceLimit struct{ file, controller, value string }

var apidLimits = []serviceLimit{{"memory.max", "memory", "268435456"}, {"pids.max", "pids", "256"}, {"cpu.weight", "cpu", "100"}}

// TestServiceSeccompAndLimits: `service apid -o json` shows apid alone, its seccomp mode
// ("filter": its allowlist is installed) and the limits of its definition. As root (CI)
// machined gives it a cgroup of its own: each limit is in the cgroup's file where the host's
// cgroup v2 hierarchy has the controller, and reported unenforced, with why, where it lacks it
// (a hybrid development host); unprivileged there is no cgroup and the reply says so.
func TestServiceSeccompAndLimits(t *testing.T) {
	var resp machine.ServiceListResponse
	if err := protojson.Unmarshal([]byte(mustCtl(t, shared.configs[role.Reader], "service", "apid", "-o", "json")), &resp); err != nil {
		t.Fatal(err)
	}
	svcs := resp.GetMessages()[0].GetServices()
	if len(svcs) != 1 || svcs[0].GetId() != "apid" || svcs[0].GetSeccomp() != "filter" {
		t.Fatalf("service apid -o json: %v, want apid alone with seccomp \"filter\"", svcs)
	}
	cg := svcs[0].GetCgroup()
	want := &machine.ServiceCgroup{MemoryMax: 256 << 20, PidsMax: 256, CpuWeight: 100}
	opts := cmp.Options{protocmp.Transform(), protocmp.IgnoreFields(want, "path", "unenforced", "memory_current", "pids_current", "cpu_usage_usec", "controllers")}
	if d := cmp.Diff(want, cg, opts); d != "" {
		t.Errorf("apid's limits (-want +got):\n%s", d)
	}
	if os.Geteuid() != 0 {
		for _, l := range apidLimits {
			if !slices.Contains(cg.GetUnenforced(), l.file+": the service has no cgroup of its own") {
				t.Errorf("unprivileged: unenforced %q, want %s named as without a cgroup", cg.GetUnenforced(), l.file)
			}
		}
		return
	}
	checkLimitsEnforced(t, cg)
	_, out, errOut := ctl(t, shared.configs[role.Reader], "service", "apid")
	wantContains(t, "service apid", out, "SECCOMP", "filter", "/256.0MiB", "/256", "weight 100")
	for _, u := range cg.GetUnenforced() {
		wantContains(t, "service apid's notes", errOut, "note: node-a apid: limit not enforced: "+u+"\n")
	}
}

// checkLimitsEnforced reads apid's cgroup on the host: each limit is in its file, or the host's
// hierarchy lacks the controller and the reply says so.
func checkLimitsEnforced(t *testing.T, cg *machine.ServiceCgroup) {
	instance := "cairn-" + strings.ReplaceAll(shared.a.ip, ".", "-")
	if want := "/cairn/" + instance + "/apid"; cg.GetPath() != want {
		t.Fatalf("apid's cgroup %q, want %q", cg.GetPath(), want)
	}
	mnt, err := sandbox.Cgroup2Mount()
	if err != nil {
		t.Fatal(err)
	}
	offered, err := os.ReadFile(filepath.Join(mnt, "cgroup.controllers"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range apidLimits {
		file := filepath.Join(mnt, cg.GetPath(), l.file)
		got, err := os.ReadFile(file)
		switch {
		case !slices.Contains(strings.Fields(string(offered)), l.controller):
			why := fmt.Sprintf("%s: the cgroup v2 hierarchy has no %s controller (bound to cgroup v1 on this host?)", l.file, l.controller)
			if !slices.Contains(cg.GetUnenforced(), why) {
				t.Errorf("unenforced %q, want %q", cg.GetUnenforced(), why)
			}
			t.Logf("this host's cgroup v2 hierarchy has no %s controller: %s reported unenforced", l.controller, l.file)
		case err != nil || strings.TrimSpace(string(got)) != l.value:
			t.Errorf("%s = %q, %v, want %q", file, got, err, l.value)
		}
	}
}
