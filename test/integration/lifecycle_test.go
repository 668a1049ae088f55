package integration

import (
	"strings"
	"testing"

	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// TestResetWithPlatformConfig resets a node whose platform offers a configuration (--config):
// the reply says it comes back configured, not in maintenance mode, and it does.
func TestResetWithPlatformConfig(t *testing.T) {
	n := privateNode(t, "127.0.0.23", "node-reset")
	admin, e := shared.configs[role.Admin], []string{"-e", n.ip, "-n", n.ip}
	out := mustCtl(t, admin, append([]string{"reset"}, e...)...)
	wantContains(t, "reset", out, "resetting", "simulated",
		"takes the configuration its platform offers again (cairn.config= or --config): it does not stay in maintenance mode")
	waitFor(t, "the node configured again after its reset", func() bool {
		code, o, _ := ctl(t, admin, append([]string{"version"}, e...)...)
		return code == 0 && strings.Contains(o, "node-reset") && strings.Contains(o, "configured")
	})
}
