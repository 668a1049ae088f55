package integration

import (
	"path/filepath"
	"testing"

	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// TestApplyThroughItselfReportsSuccess: with -e X -n X node-b's apid proxies the call to
// itself. Applying the configuration must not cut that call: it used to succeed on the node
// and then report Canceled, exit 1.
func TestApplyThroughItselfReportsSuccess(t *testing.T) {
	cfg := filepath.Join(shared.dir, "node-b.yaml")
	for range 3 {
		out := mustCtl(t, shared.configs[role.Admin], "apply-config", "-f", cfg, "-e", "127.0.0.3", "-n", "127.0.0.3")
		wantContains(t, "apply-config -e X -n X", out, "127.0.0.3: auto: configuration applied live: no reboot needed")
	}
}
