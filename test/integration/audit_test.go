package integration

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cairn-os/cairn/pkg/machinery/audit"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// TestAuditThroughProxy: the target node's event names the original caller and the proxy.
func TestAuditThroughProxy(t *testing.T) {
	mustCtl(t, shared.configs[role.Reader], "services", "-n", "127.0.0.3")
	out := mustCtl(t, shared.configs[role.Auditor], "audit", "log", "-n", "127.0.0.3", "-o", "json")
	found := false
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		ev, err := audit.Decode([]byte(line))
		if err != nil {
			t.Fatalf("decode %q: %v", line, err)
		}
		if ev.Method == "/cairn.machine.MachineService/ServiceList" && ev.Caller.Subject == "reader" && len(ev.Via) == 1 && ev.Via[0].Subject == "node-a" {
			found = true
			if ev.Node != "node-b" || ev.Code != "OK" || ev.Caller.Fingerprint == "" {
				t.Errorf("proxied event = %+v", ev)
			}
		}
	}
	if !found {
		t.Errorf("node-b's audit log has no ServiceList by reader via node-a:\n%s", out)
	}
	wantContains(t, "the endpoint's event", mustCtl(t, shared.configs[role.Auditor], "audit", "log"),
		"reader[os:reader] from", "/cairn.machine.MachineService/ServiceList -> OK", "nodes=127.0.0.3")
	code, out, errOut := ctlFor(t, 1500*time.Millisecond, shared.configs[role.Auditor], "audit", "log", "-f", "-n", "127.0.0.2,127.0.0.3")
	if code != 0 {
		t.Errorf("audit log -f: exit %d: %s", code, errOut)
	}
	wantContains(t, "audit log -f on both nodes", out, "127.0.0.2 #1 ", "127.0.0.3 #1 ")
	out = mustCtl(t, shared.configs[role.Auditor], "audit", "verify", "-n", "127.0.0.2,127.0.0.3")
	wantContains(t, "audit verify", out, "127.0.0.2: OK", "127.0.0.3: OK", "chain intact")
}

func TestAuditChainSurvivesRestart(t *testing.T) {
	n := privateNode(t, "127.0.0.6", "node-r")
	admin := shared.configs[role.Admin]
	e := []string{"-e", "127.0.0.6"}
	mustCtl(t, admin, append([]string{"services"}, e...)...)
	before := mustCtl(t, admin, append([]string{"audit", "verify"}, e...)...)
	wantContains(t, "verify before restart", before, "OK", "from genesis: true")

	_ = n.signal(syscall.SIGTERM)
	waitFor(t, "machined to stop", n.exited)
	if err := n.start(); err != nil {
		t.Fatal(err)
	}
	if err := waitReady(n, admin); err != nil {
		t.Fatal(err)
	}
	mustCtl(t, admin, append([]string{"services"}, e...)...)
	out := mustCtl(t, admin, append([]string{"audit", "verify"}, e...)...)
	wantContains(t, "verify after restart", out, "node-r: OK", "from genesis: true")
	if out == before {
		t.Errorf("the chain did not grow across the restart: %s", out)
	}
	log := mustCtl(t, admin, append([]string{"audit", "log"}, e...)...)
	if strings.Count(log, "/cairn.machine.MachineService/ServiceList -> OK") != 2 {
		t.Errorf("want both ServiceList calls in the log, before and after the restart:\n%s", log)
	}
}

func TestConfigNewOnline(t *testing.T) {
	path := t.TempDir() + "/bob.cairnconfig"
	out := mustCtl(t, shared.configs[role.Admin], "config", "new", path, "--roles", "os:operator", "--name", "bob", "--ttl", "1h", "-e", "127.0.0.2")
	wantContains(t, "config new", out, "wrote "+path, "roles os:operator")
	mustCtl(t, path, "services")
	wantFail(t, path, []string{"apply-config", "--confirm"}, "PermissionDenied")
	wantContains(t, "audit names bob", mustCtl(t, shared.configs[role.Auditor], "audit", "log"), "bob[os:operator]")
	wantFail(t, shared.configs[role.Operator], []string{"config", "new", t.TempDir() + "/x", "--roles", "os:reader", "-e", "127.0.0.2"}, "PermissionDenied")
}
