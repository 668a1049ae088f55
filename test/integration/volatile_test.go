package integration

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// TestVolatileStateRefusesWhatARebootLoses: a node whose STATE is on tmpfs (as on today's VMs)
// refuses staged and reboot applies, and an auto apply that needs a reboot, saying why and
// changing nothing; what it does apply, and a reset, say they do not survive a reboot.
func TestVolatileStateRefusesWhatARebootLoses(t *testing.T) {
	dir := t.TempDir()
	cfgPath, err := writeNodeConfig(shared.bundle, dir, "node-v")
	if err != nil {
		t.Fatal(err)
	}
	state, err := os.MkdirTemp("/dev/shm", "cairn-state-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(state) })
	n := startNode(t, "127.0.0.31", state, cfgPath)
	if err := waitReady(n, shared.configs[role.Admin]); err != nil {
		t.Fatal(err)
	}
	admin, e := shared.configs[role.Admin], []string{"-e", "127.0.0.31"}
	renamed := variant(t, cfgPath, func(c *config.Config) { c.Machine.Network.Hostname = "node-v2" })
	lost := `this node's STATE (` + state + `) is held in memory and does not survive a reboot, so the configuration would be lost at the reboot that should apply it; nothing was changed`
	wantFail(t, admin, append([]string{"apply-config", "-f", renamed, "--mode", "staged"}, e...), "FailedPrecondition", "--mode staged refused: "+lost)
	wantFail(t, admin, append([]string{"apply-config", "-f", renamed, "--mode", "reboot"}, e...), "FailedPrecondition", "--mode reboot refused: "+lost)
	cluster := variant(t, cfgPath, func(c *config.Config) { c.Cluster.Network.DNSDomain = "other.local" })
	wantFail(t, admin, append([]string{"apply-config", "-f", cluster}, e...), "FailedPrecondition", "applying (it needs a reboot: cluster changed) refused: "+lost)
	if _, err := os.Stat(filepath.Join(state, "config.staged.yaml")); !os.IsNotExist(err) {
		t.Errorf("a refused apply left a staged configuration: %v", err)
	}
	wantContains(t, "dry run", mustCtl(t, admin, append([]string{"apply-config", "-f", cluster, "--dry-run"}, e...)...),
		"applying would need a reboot (cluster changed), which this node refuses: this node's STATE ("+state+") is held in memory")
	wantContains(t, "hostname unchanged", mustCtl(t, admin, append([]string{"hostname"}, e...)...), "node-v")
	wantContains(t, "auto live", mustCtl(t, admin, append([]string{"apply-config", "-f", renamed}, e...)...),
		"auto: configuration applied live: no reboot needed; kept until the next reboot (this node's STATE ("+state+") is held in memory and does not survive a reboot)")
	wantContains(t, "reset", mustCtl(t, admin, append([]string{"reset"}, e...)...), "the reboot loses the audit log too")
}
