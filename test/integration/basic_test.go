package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/client"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// ctlFor runs cairnctl for at most d (for streaming commands) and returns exit code and output.
func ctlFor(t *testing.T, d time.Duration, cairnconfig string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	code := ctlContext(ctx, &out, &errOut, cairnconfig, args...)
	return code, out.String(), errOut.String()
}

func wantContains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

// wantFail runs cairnctl, expects a non-zero exit and stderr containing every want.
func wantFail(t *testing.T, cairnconfig string, args []string, wants ...string) {
	t.Helper()
	code, out, errOut := ctl(t, cairnconfig, args...)
	if code == 0 {
		t.Errorf("cairnctl %s succeeded, want failure; stdout:\n%s", strings.Join(args, " "), out)
		return
	}
	wantContains(t, "cairnctl "+strings.Join(args, " ")+" stderr", errOut, wants...)
}

func TestServicesBothNodes(t *testing.T) {
	out := mustCtl(t, shared.configs[role.Reader], "services", "-n", "127.0.0.2,127.0.0.3")
	wantContains(t, "services", out, "127.0.0.2   apid", "127.0.0.2   trustd", "127.0.0.3   apid", "127.0.0.3   trustd", "Running")
	out = mustCtl(t, shared.configs[role.Reader], "services", "-o", "json")
	wantContains(t, "services -o json", out, `"id": "apid"`, `"hostname": "node-a"`)
	out = mustCtl(t, shared.configs[role.Reader], "services", "-o", "yaml")
	wantContains(t, "services -o yaml", out, "id: trustd")
}

func TestServiceStopStartRestartThroughProxy(t *testing.T) {
	op := shared.configs[role.Operator]
	b := []string{"-n", "127.0.0.3"}
	out := mustCtl(t, op, append([]string{"service", "trustd", "stop"}, b...)...)
	wantContains(t, "service stop", out, `127.0.0.3: service "trustd" stopped`)
	out = mustCtl(t, op, append([]string{"service", "trustd"}, b...)...)
	wantContains(t, "service status", out, "Stopped")
	mustCtl(t, op, append([]string{"service", "trustd", "start"}, b...)...)
	waitFor(t, "trustd running on node-b", func() bool {
		_, out, _ := ctl(t, op, append([]string{"service", "trustd"}, b...)...)
		return strings.Contains(out, "Running")
	})
	out = mustCtl(t, op, append([]string{"service", "trustd", "restart"}, b...)...)
	wantContains(t, "service restart", out, `service "trustd" restarted`)
	wantFail(t, op, append([]string{"service", "apid", "stop"}, b...), "FailedPrecondition", `service "apid" is protected`)
	before := apidPID(t, "127.0.0.3")
	out = mustCtl(t, op, append([]string{"service", "apid", "restart"}, b...)...)
	wantContains(t, "apid restart", out, `service "apid" is restarting (after this reply)`)
	waitFor(t, "node-b's apid after its restart", func() bool {
		pid := apidPID(t, "127.0.0.3")
		return pid != 0 && pid != before
	})
	wantFail(t, op, []string{"service", "nope", "restart"}, "NotFound", `service not found: "nope"`)
	wantFail(t, op, []string{"service", "trustd", "explode"}, `action "explode"`)
}

// waitFor polls cond until it holds or 30s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestLogs(t *testing.T) {
	r := shared.configs[role.Reader]
	out := mustCtl(t, r, "logs", "machined")
	wantContains(t, "logs machined", out, "service state changed")
	out = mustCtl(t, r, "logs", "apid", "--tail", "1")
	if n := strings.Count(out, "\n"); n != 1 {
		t.Errorf("logs apid --tail 1 printed %d lines, want 1:\n%s", n, out)
	}
	wantContains(t, "logs apid", out, "component=apid")
	code, out, errOut := ctlFor(t, 2*time.Second, r, "logs", "apid", "-f", "--tail", "2", "-n", "127.0.0.2,127.0.0.3")
	if code != 0 {
		t.Errorf("logs -f exit %d: %s", code, errOut)
	}
	wantContains(t, "logs -f on two nodes", out, "127.0.0.2: ", "127.0.0.3: ")
	wantFail(t, r, []string{"logs", "nope"}, "NotFound", `"nope"`)
}

func TestDmesg(t *testing.T) {
	code, out, errOut := ctl(t, shared.configs[role.Reader], "dmesg", "--tail", "3")
	switch {
	case code == 0 && strings.Count(out, "\n") == 3:
		code, out, errOut = ctlFor(t, 1500*time.Millisecond, shared.configs[role.Reader], "dmesg", "-f", "--tail", "1")
		if code != 0 || strings.Count(out, "\n") < 1 {
			t.Errorf("dmesg -f: exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	case code != 0 && strings.Contains(errOut, "Unavailable: unavailable: kernel log: /dev/kmsg is not readable"):
		t.Logf("dmesg is unavailable here, as the node says: %s", errOut)
	default:
		t.Errorf("dmesg --tail 3: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestEvents(t *testing.T) {
	_, out, errOut := ctlFor(t, 3*time.Second, shared.configs[role.Reader], "events", "--duration", "1s")
	wantContains(t, "events", out, "phase", "phase=services", "service", "configuration active")
	if errOut != "" {
		t.Errorf("events stderr: %s", errOut)
	}
}

func TestProcMemoryMountsNetstat(t *testing.T) {
	r := shared.configs[role.Reader]
	wantContains(t, "ps", mustCtl(t, r, "ps"), "machined --mode container", "apid --socket")
	wantContains(t, "memory", mustCtl(t, r, "memory", "-n", "127.0.0.3"), "TOTAL", "127.0.0.3")
	wantContains(t, "mounts", mustCtl(t, r, "mounts"), "/proc")
	wantContains(t, "netstat", mustCtl(t, r, "netstat", "-l"), "127.0.0.2:50000", "127.0.0.2:50001", "LISTEN")
	wantContains(t, "disks", mustCtl(t, r, "disks"), "DISK")
}

func TestReadAndList(t *testing.T) {
	r := shared.configs[role.Reader]
	if out := mustCtl(t, r, "read", "/proc/loadavg"); len(strings.Fields(out)) < 3 {
		t.Errorf("read /proc/loadavg = %q", out)
	}
	wantContains(t, "ls /proc/self", mustCtl(t, r, "ls", "/proc/self"), "status", "cmdline")
	wantFail(t, r, []string{"read", "/etc/shadow"}, "PermissionDenied", `"/etc/shadow" is not in the allowlist`)
	wantFail(t, r, []string{"read", "/proc/self/environ"}, "PermissionDenied")
	wantFail(t, r, []string{"read", shared.a.state + "/config.yaml"}, "PermissionDenied")
	wantFail(t, r, []string{"read", "relative"}, "InvalidArgument", `"relative" is not an absolute path`)
	wantFail(t, r, []string{"read", "/proc/nope"}, "NotFound")
	wantFail(t, r, []string{"read", "/proc"}, "InvalidArgument", "is a directory")
}

func TestGetResources(t *testing.T) {
	r := shared.configs[role.Reader]
	wantContains(t, "get ms", mustCtl(t, r, "get", "ms", "machine", "-o", "yaml"), "stage: running", "configured: true")
	wantContains(t, "get hostname", mustCtl(t, r, "get", "hostname", "hostname", "-o", "yaml", "-n", "127.0.0.3"), "hostname: node-b", "source: config")
	wantContains(t, "get services", mustCtl(t, r, "get", "services"), "Services.runtime.cairn.dev", "apid", "trustd")
	wantContains(t, "get rd", mustCtl(t, r, "get", "rd"), "machinestatuses.runtime.cairn.dev")
	wantContains(t, "get services -o json", mustCtl(t, r, "get", "svc", "apid", "-o", "json"), `"spec": "state: Running`)
	wantFail(t, r, []string{"get", "mc"}, "PermissionDenied", "sensitive")
	wantContains(t, "get mc as admin", mustCtl(t, shared.configs[role.Admin], "get", "mc", "active", "-o", "yaml"), "apiVersion: v1alpha1")
	wantFail(t, r, []string{"get", "nope"}, "NotFound", `unknown resource type "nope"`)
	wantFail(t, r, []string{"get", "svc", "nope"}, "NotFound", `"nope" not found`)
	_, out, _ := ctlFor(t, 2*time.Second, r, "get", "svc", "-w")
	wantContains(t, "get -w", out, "CREATED runtime Services.runtime.cairn.dev apid")
}

func TestHostnameAndShowConfig(t *testing.T) {
	wantContains(t, "hostname", mustCtl(t, shared.configs[role.Reader], "hostname", "-n", "127.0.0.2,127.0.0.3"), "127.0.0.2   node-a", "127.0.0.3   node-b")
	out := mustCtl(t, shared.configs[role.Reader], "show-config", "-n", "127.0.0.3")
	wantContains(t, "show-config as reader", out, "# node 127.0.0.3 (secrets redacted)", "hostname: node-b", "******")
	if strings.Contains(out, "key: LS0t") {
		t.Errorf("show-config shows a key to a reader:\n%s", out)
	}
	wantContains(t, "show-config as admin", mustCtl(t, shared.configs[role.Admin], "show-config"), "# node node-a\n", "key: LS0t")
}

// apidPID is the pid of a node's running apid (0 when it does not answer or is not running).
func apidPID(t *testing.T, node string) int32 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := adminClient(t, shared.configs[role.Reader]).Machine.ServiceList(client.WithNodes(ctx, node), &common.Empty{})
	if err != nil {
		return 0
	}
	for _, s := range resp.GetMessages()[0].GetServices() {
		if s.GetId() == "apid" && s.GetState() == "Running" {
			return s.GetPid()
		}
	}
	return 0
}
