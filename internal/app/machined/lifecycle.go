package machined

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/resources"
)

// kept are the entries of the state directory a reset leaves in place: the audit trail must
// outlive the configuration it audits.
var kept = map[string]bool{"audit": true}

func (a *machineAPI) lifecycle(r lifecycle, msg string) (*machine.ActionResponse, error) {
	if err := a.n.request(r); err != nil {
		return nil, apierr.Precondition("%v", err)
	}
	simulated := a.n.opts.Mode == ModeContainer
	if simulated {
		msg += " (container mode: simulated, the kernel is not involved)"
	}
	return &machine.ActionResponse{Messages: []*machine.Action{{Metadata: a.n.md(), Message: msg, Simulated: simulated}}}, nil
}

func (a *machineAPI) Reboot(context.Context, *common.Empty) (*machine.ActionResponse, error) {
	return a.lifecycle(lifecycleReboot, "rebooting: services restart and a staged configuration becomes active")
}

func (a *machineAPI) Shutdown(context.Context, *common.Empty) (*machine.ActionResponse, error) {
	return a.lifecycle(lifecycleShutdown, "shutting down: services stop and machined exits")
}

func (a *machineAPI) Reset(context.Context, *machine.ResetRequest) (*machine.ActionResponse, error) {
	return a.lifecycle(lifecycleReset, a.n.resetMessage())
}

// resetMessage says what a reset does on this node: what it keeps (the audit log stays only
// where STATE survives a reboot) and where it comes back, which depends on whether its
// platform offers a configuration (--config, cairn.config=), which a reset does not wipe.
func (n *daemon) resetMessage() string {
	kept := "the audit log stays"
	if why := n.stateLost(); why != "" {
		kept = why + ": the reboot loses the audit log too"
	}
	what := "node"
	if n.opts.Mode == ModeMetal {
		what = "machine"
	}
	msg := "resetting: the configuration and state are wiped (" + kept + "), then the " + what + " reboots"
	if n.opts.ConfigFile != "" {
		return msg + " and takes the configuration its platform offers again (cairn.config= or --config): it does not stay in maintenance mode"
	}
	return msg + " into maintenance mode"
}

// reboot restarts every service and reloads the configuration (applying a staged one).
func (n *daemon) reboot(ctx context.Context) {
	n.setStageTo(ctx, resources.StageRebooting)
	n.events.publish(KindLifecycle, "reboot: stopping services")
	n.sup.StopAll()
	n.cancelTry()
	if err := n.phase("config", n.loadConfig); err != nil {
		n.log.Error("configuration not loaded after reboot: entering maintenance mode", "error", err)
		if err := n.enterMaintenance(); err != nil {
			n.log.Error("maintenance mode failed", "error", err)
		}
	}
	if err := n.phase("services", func() error { return n.sup.StartAll(ctx) }); err != nil {
		n.log.Error("services not started after reboot", "error", err)
	}
	n.setStage(ctx)
	n.events.publish(KindLifecycle, "reboot done")
}

// reset wipes the state directory (but the audit log) and reboots.
func (n *daemon) reset(ctx context.Context) {
	n.wipe(ctx)
	n.reboot(ctx)
}

// wipe stops the services and wipes the state directory (but the audit log).
func (n *daemon) wipe(ctx context.Context) {
	n.setStageTo(ctx, resources.StageResetting)
	n.events.publish(KindLifecycle, "reset: stopping services and wiping state")
	n.sup.StopAll()
	if err := n.wipeState(); err != nil {
		n.log.Error("state not fully wiped", "error", err)
	}
}

func (n *daemon) wipeState() error {
	entries, err := os.ReadDir(n.opts.State)
	if err != nil {
		return fmt.Errorf("read state directory: %w", err)
	}
	sock := filepath.Base(n.opts.Socket)
	for _, e := range entries {
		if kept[e.Name()] || (e.Name() == sock && filepath.Dir(n.opts.Socket) == n.opts.State) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(n.opts.State, e.Name())); err != nil {
			return fmt.Errorf("wipe %s: %w", e.Name(), err)
		}
	}
	return nil
}
