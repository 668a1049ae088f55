package machined

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/internal/app/machined/boot"
	"github.com/cairn-os/cairn/internal/controllers/kubeservice"
	"github.com/cairn-os/cairn/internal/pkg/etcdops"
	"github.com/cairn-os/cairn/internal/pkg/mount"
	"github.com/cairn-os/cairn/internal/pkg/supervisor"
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

func (a *machineAPI) Reset(ctx context.Context, r *machine.ResetRequest) (*machine.ActionResponse, error) {
	w := r.GetWipe()
	if _, ok := machine.ResetRequest_Wipe_name[int32(w)]; !ok {
		return nil, apierr.Invalid("wipe %d: want system, user or all", w)
	}
	if w != machine.ResetRequest_SYSTEM && !a.n.hasEphemeral() {
		return nil, apierr.Precondition("--wipe %s refused: this node has no EPHEMERAL partition (/var is in memory, emptied by every reboot); nothing was changed", wipeName(w))
	}
	left := ""
	if r.GetGraceful() {
		var err error
		if left, err = a.n.leaveEtcd(ctx); err != nil {
			return nil, err
		}
	}
	a.n.mu.Lock()
	a.n.resetWipe, a.n.resetLeft = w, left != ""
	a.n.mu.Unlock()
	return a.lifecycle(lifecycleReset, left+a.n.resetMessage(w))
}

// leaveEtcd is a graceful reset's first step on a control-plane node whose etcd has started.
func (n *daemon) leaveEtcd(ctx context.Context) (string, error) {
	st, ok := n.serviceState("etcd")
	return leaveEtcd(ctx, n.log, st, ok, n.localEtcd)
}

// leaveEtcd makes the node's etcd member leave its cluster (another member removes it) when
// etcd has started (state; has: the node runs etcd at all), refused when the rest would lose
// quorum or when it is the last voting member, so that resetting one node never breaks the
// cluster. It returns what it did, for the reply ("" where etcd never started).
func leaveEtcd(ctx context.Context, log *slog.Logger, state supervisor.State, has bool, open func() (*etcdops.Client, error)) (string, error) {
	if !has || state == supervisor.StateWaiting || state == supervisor.StateStopped {
		return "", nil
	}
	c, err := open()
	if err == nil {
		defer c.Close()
		ctx, cancel := context.WithTimeout(ctx, etcdCallTimeout)
		defer cancel()
		var r etcdops.Removal
		if r, err = c.Leave(ctx); err == nil {
			log.Info("graceful reset: etcd member left the cluster", "member", r.Member.IDString(), "name", r.Member.Name, "remaining", len(r.Remaining))
			return fmt.Sprintf("etcd member %s (%s) left the cluster, %d member(s) remain; ", r.Member.IDString(), r.Member.Name, len(r.Remaining)), nil
		}
	}
	return "", apierr.Precondition("graceful reset: this control-plane node must leave etcd first, and it cannot: %v. Nothing was changed. "+
		"--graceful=false resets it without leaving (its member then stays in the cluster until `cairnctl etcd remove-member`; take `cairnctl etcd snapshot` first)", err)
}

// serviceState returns a service's state, and whether the node has that service.
func (n *daemon) serviceState(name string) (supervisor.State, bool) {
	for _, s := range n.sup.List() {
		if s.Name == name {
			return s.State, true
		}
	}
	return "", false
}

func wipeName(w machine.ResetRequest_Wipe) string { return strings.ToLower(w.String()) }

// hasEphemeral says whether /var is a partition of its own (a node booted from a disk).
func (n *daemon) hasEphemeral() bool {
	if n.opts.Mode != ModeMetal {
		return false
	}
	mem, err := mount.InMemory("/var")
	return err == nil && !mem
}

// resetMessage says what a reset does on this node: what it keeps (the audit log stays only
// where STATE survives a reboot) and where it comes back, which depends on whether its
// platform offers a configuration (--config, cairn.config=), which a reset does not wipe.
func (n *daemon) resetMessage(w machine.ResetRequest_Wipe) string {
	if w == machine.ResetRequest_USER {
		return "resetting: EPHEMERAL (/var: container images, etcd data, kubelet state) is wiped at the next boot, then the machine reboots and keeps its configuration"
	}
	kept := "the audit log stays"
	if why := n.stateLost(); why != "" {
		kept = why + ": the reboot loses the audit log too"
	}
	if w == machine.ResetRequest_ALL {
		kept = "the audit log too; EPHEMERAL is wiped at the next boot"
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

// wipe stops the services and wipes what the reset asked: the state directory (but the audit
// log, unless all), and for user or all marks EPHEMERAL to be formatted at the next boot.
func (n *daemon) wipe(ctx context.Context) {
	n.mu.Lock()
	w, left := n.resetWipe, n.resetLeft
	n.resetWipe, n.resetLeft = machine.ResetRequest_SYSTEM, false
	n.mu.Unlock()
	n.setStageTo(ctx, resources.StageResetting)
	n.events.publish(KindLifecycle, "reset: stopping services and wiping "+wipeName(w))
	n.sup.StopAll()
	// A member that left its cluster (here or by etcd leave) would come back, on a disk, as a
	// member its cluster no longer knows: its data goes with the reset, the record of the
	// leave too. A member that did not leave (--graceful=false) keeps its data.
	if _, recorded := etcdLeft(kubeservice.EtcdDataDir); (left || recorded) && n.opts.Mode == ModeMetal {
		if err := dropEtcdMember(kubeservice.EtcdDataDir, true); err != nil {
			n.log.Error("the departed etcd member's data not removed", "error", err)
		}
	}
	if w != machine.ResetRequest_USER {
		if err := n.wipeState(w == machine.ResetRequest_ALL); err != nil {
			n.log.Error("state not fully wiped", "error", err)
		}
	}
	if w != machine.ResetRequest_SYSTEM {
		if err := os.WriteFile(filepath.Join(n.opts.State, boot.WipeEphemeralMarker), nil, 0o600); err != nil {
			n.log.Error("EPHEMERAL not marked for wiping", "error", err)
		}
	}
}

// wipeState empties the state directory but machined's socket and, unless all, the audit log.
func (n *daemon) wipeState(all bool) error {
	entries, err := os.ReadDir(n.opts.State)
	if err != nil {
		return fmt.Errorf("read state directory: %w", err)
	}
	sock := filepath.Base(n.opts.Socket)
	for _, e := range entries {
		if (kept[e.Name()] && !all) || (e.Name() == sock && filepath.Dir(n.opts.Socket) == n.opts.State) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(n.opts.State, e.Name())); err != nil {
			return fmt.Errorf("wipe %s: %w", e.Name(), err)
		}
	}
	return nil
}
