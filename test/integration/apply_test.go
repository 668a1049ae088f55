package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// variant writes a copy of the node's configuration with changes applied.
func variant(t *testing.T, src string, change func(*config.Config)) string {
	t.Helper()
	cfg, err := config.Load(src)
	if err != nil {
		t.Fatal(err)
	}
	change(cfg)
	data, err := cfg.Encode()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "variant.yaml")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func hostnameIs(t *testing.T, want string) func() bool {
	return func() bool {
		_, out, _ := ctl(t, shared.configs[role.Reader], "get", "hostname", "hostname", "-o", "yaml", "-e", "127.0.0.5")
		return strings.Contains(out, "hostname: "+want+"\n")
	}
}

func TestApplyConfigModes(t *testing.T) {
	n := privateNode(t, "127.0.0.5", "node-c")
	admin := shared.configs[role.Admin]
	e := []string{"-e", "127.0.0.5"}
	rename := func(h string) string {
		return variant(t, n.config, func(c *config.Config) { c.Machine.Network.Hostname = h })
	}
	apply := func(args ...string) string {
		return mustCtl(t, admin, append(append([]string{"apply-config"}, args...), e...)...)
	}

	out := apply("-f", rename("node-c2"), "--dry-run")
	wantContains(t, "dry run", out, "dry run: nothing was changed", "-    hostname: node-c\n", "+    hostname: node-c2\n")
	if strings.Contains(out, "LS0tLS1CRUdJTiBFQyBQUklWQVRF") {
		t.Error("the dry-run diff shows a private key")
	}
	waitFor(t, "host name unchanged", hostnameIs(t, "node-c"))

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	_ = os.WriteFile(bad, []byte("apiVersion: v1alpha1\nkind: MachineConfig\nmachine:\n  type: toaster\n"), 0o600)
	wantFail(t, admin, append([]string{"apply-config", "-f", bad}, e...), "InvalidArgument", "machine.type")
	wantFail(t, shared.configs[role.Reader], append([]string{"apply-config", "-f", bad}, e...), "PermissionDenied")

	out = apply("-f", rename("node-c3"), "--mode", "try", "--timeout", "1s")
	wantContains(t, "try", out, "applied on trial")
	waitFor(t, "the tried configuration to be reverted", func() bool {
		_, out, _ := ctlFor(t, 2*time.Second, admin, append([]string{"events", "--duration", "500ms"}, e...)...)
		return strings.Contains(out, "tried configuration reverted")
	})
	waitFor(t, "the host name before the try", hostnameIs(t, "node-c"))
	_, out, _ = ctlFor(t, 2*time.Second, admin, append([]string{"events", "--duration", "500ms"}, e...)...)
	wantContains(t, "events of the try", out, "configuration applied on trial", "hostname=node-c3", "tried configuration reverted")

	apply("-f", rename("node-c4"), "--mode", "try", "--timeout", "10m")
	wantContains(t, "confirm", apply("--confirm"), "confirmed and stored")
	wantFail(t, admin, append([]string{"apply-config", "--confirm"}, e...), "FailedPrecondition", "no configuration is being tried")
	waitFor(t, "the confirmed host name", hostnameIs(t, "node-c4"))

	wantContains(t, "auto live", apply("-f", rename("node-c5")), "auto: configuration applied live: no reboot needed")
	waitFor(t, "the live host name", hostnameIs(t, "node-c5"))

	out = apply("-f", variant(t, n.config, func(c *config.Config) { c.Machine.Network.Hostname = "node-c6"; c.Cluster.Name = "other" }))
	wantContains(t, "auto needing a reboot", out, "reboot: configuration stored; the node reboots", "cluster changed")
	waitFor(t, "the host name after the reboot", hostnameIs(t, "node-c6"))

	wantContains(t, "staged", apply("-f", rename("node-c7"), "--mode", "staged"), "staged: it becomes active at the next reboot")
	waitFor(t, "host name unchanged by staging", hostnameIs(t, "node-c6"))
	wantContains(t, "machine status with a staged configuration", mustCtl(t, admin, append([]string{"get", "ms", "machine", "-o", "yaml"}, e...)...), "configPending: staged")
	wantContains(t, "reboot", mustCtl(t, admin, append([]string{"reboot"}, e...)...), "rebooting", "simulated")
	waitFor(t, "the staged host name after reboot", hostnameIs(t, "node-c7"))
	waitFor(t, "services after reboot", func() bool {
		_, out, _ := ctl(t, admin, append([]string{"services"}, e...)...)
		return strings.Count(out, "Running") == 2
	})

	wantContains(t, "shutdown", mustCtl(t, admin, append([]string{"shutdown"}, e...)...), "shutting down", "simulated")
	waitFor(t, "machined to exit", n.exited)
}
