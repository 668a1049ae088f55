package integration

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/client"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

func TestMaintenanceModeApplyAndReset(t *testing.T) {
	n := privateNode(t, "127.0.0.4", "")
	fp := n.fingerprint(t)
	admin := shared.configs[role.Admin]
	ins := []string{"--insecure", "--cert-fingerprint", fp, "-n", "127.0.0.4"}
	var out string
	waitFor(t, "maintenance API", func() bool {
		code, o, _ := ctl(t, admin, append([]string{"version"}, ins...)...)
		out = o
		return code == 0
	})
	wantContains(t, "version --insecure", out, "maintenance mode")
	wantContains(t, "disks --insecure", mustCtl(t, admin, append([]string{"disks"}, ins...)...), "DISK")
	wantFail(t, admin, []string{"version", "--insecure", "--cert-fingerprint", strings.Repeat("0", 64), "-n", "127.0.0.4"}, "fingerprint is "+fp)

	c, err := client.Insecure([]string{"127.0.0.4"}, fp)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Machine.ServiceList(context.Background(), &common.Empty{})
	if status.Code(err) != codes.PermissionDenied || !strings.Contains(err.Error(), "not available in maintenance mode") {
		t.Errorf("ServiceList in maintenance mode: %v, want PermissionDenied", err)
	}
	_, err = c.Machine.Version(client.WithNodes(context.Background(), "127.0.0.2"), &common.Empty{})
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("proxying from a maintenance node: %v, want InvalidArgument", err)
	}

	cfg, err := writeNodeConfig(shared.bundle, t.TempDir(), "node-m")
	if err != nil {
		t.Fatal(err)
	}
	out = mustCtl(t, admin, append([]string{"apply-config", "-f", cfg}, ins...)...)
	wantContains(t, "apply-config --insecure", out, "left maintenance mode")
	if _, err := os.Stat(filepath.Join(n.state, "config.yaml")); err != nil {
		t.Errorf("the configuration was not stored: %v", err)
	}
	waitFor(t, "mTLS API after configuration", func() bool {
		code, o, _ := ctl(t, admin, "version", "-e", "127.0.0.4")
		out = o
		return code == 0
	})
	wantContains(t, "version after apply", out, "node-m", "configured")
	wantContains(t, "audit log of the maintenance calls", mustCtl(t, admin, "audit", "log", "-e", "127.0.0.4"),
		"(anonymous)[] from 127.0.0.1", "/cairn.machine.MachineService/ApplyConfiguration -> OK", "/cairn.machine.MachineService/ServiceList -> PermissionDenied")

	// A container node has no EPHEMERAL: wiping /var is refused and nothing changes.
	code, _, errOut := ctl(t, admin, "reset", "--wipe", "user", "-e", "127.0.0.4")
	if code == 0 || !strings.Contains(errOut, "--wipe user refused: this node has no EPHEMERAL partition") {
		t.Errorf("reset --wipe user on a container node: exit %d, %s", code, errOut)
	}
	out = mustCtl(t, admin, "reset", "-e", "127.0.0.4")
	wantContains(t, "reset", out, "resetting", "simulated", "then the node reboots into maintenance mode")
	waitFor(t, "maintenance mode after reset", func() bool {
		code, o, _ := ctl(t, admin, append([]string{"version"}, ins...)...)
		return code == 0 && strings.Contains(o, "maintenance mode")
	})
	if _, err := os.Stat(filepath.Join(n.state, "config.yaml")); err == nil {
		t.Error("reset left the configuration in place")
	}
	if _, err := os.Stat(filepath.Join(n.state, "audit")); err != nil {
		t.Errorf("reset removed the audit log: %v", err)
	}
}
