package machined

import (
	"context"
	"errors"
	"fmt"

	"github.com/cairn-os/cairn/internal/app/machined/install"
	"github.com/cairn-os/cairn/internal/pkg/cmdline"
	"github.com/cairn-os/cairn/internal/pkg/installpayload"
	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/resources"
)

// takePayload keeps the signed OS image /init handed over (a node booted from the ISO or an
// install initramfs); nil elsewhere.
func (n *daemon) takePayload() {
	if n.opts.Mode != ModeMetal {
		return
	}
	f, err := installpayload.Take()
	if err != nil {
		n.log.Error("install payload unusable: this node cannot install", "error", err)
		return
	}
	n.payload = f
}

// installSkipped says why a configuration does not install this node ("" when it does).
func (n *daemon) installSkipped(cfg *config.Config) string {
	switch {
	case n.opts.Mode != ModeMetal || cfg == nil || (cfg.Machine.Install.Disk == "" && cfg.Machine.Install.DiskSelector == config.DiskSelector{}):
		return "nothing to install"
	case hasSlot():
		return "booted from a disk slot"
	case n.payload == nil:
		return "machine.install is ignored: this node has no install payload " +
			"(it booted a kernel and initramfs without the signed OS image; boot cairn.iso or initramfs-install to install)"
	}
	return ""
}

func hasSlot() bool {
	cl, err := cmdline.Read()
	if err != nil {
		return false
	}
	_, ok := cl.Get("cairn.slot")
	return ok
}

// maybeInstall starts the install of the active configuration's disk when this node can
// install (metal, root in RAM, an install payload) and no install runs. It returns what the
// node does, for an API reply ("" when it does not install).
func (n *daemon) maybeInstall() string {
	cfg := n.config()
	why := n.installSkipped(cfg)
	switch {
	case why == "nothing to install" || why == "booted from a disk slot":
		return ""
	case why != "":
		n.log.Warn("not installing", "why", why)
		n.setInstallStatus("not installing: " + why)
		return ""
	case !n.installing.CompareAndSwap(false, true):
		return ""
	}
	go n.install(cfg)
	return "installing to the disk machine.install names, then rebooting from it (progress on the console and in cairnctl get machinestatus)"
}

// install writes the disk and reboots into it; a failure is logged, shown in the machine
// status and leaves the node running from RAM (a new configuration tries again).
func (n *daemon) install(cfg *config.Config) {
	defer n.installing.Store(false)
	disk, err := install.ResolveDisk(install.SysBlock, cfg.Machine.Install)
	if err != nil {
		n.installFailed(cfg.Machine.Install.Disk, err)
		return
	}
	n.log.Info("install: starting", "disk", disk, "wipe", cfg.Machine.Install.Wipe)
	keys, err := n.trustedImageKeys()
	if err != nil {
		n.installFailed(disk, err)
		return
	}
	st, err := n.payload.Stat()
	if err != nil {
		n.installFailed(disk, err)
		return
	}
	res, err := install.Run(n.runCtx, install.Options{Log: n.log, Payload: n.payload, Size: st.Size(), Trusted: keys,
		Disk: disk, Wipe: cfg.Machine.Install.Wipe, FillState: n.fillState, Progress: n.installProgress})
	if err != nil {
		n.installFailed(disk, err)
		return
	}
	n.log.Info("install: done, rebooting from the disk", "disk", disk, "version", res.Version, "signer", res.Signer, "took", res.Took.Round(1e6))
	n.setInstallStatus(fmt.Sprintf("installed %s to %s in %s: rebooting from it", res.Version, disk, res.Took.Round(1e9)))
	n.events.publish(KindLifecycle, "installed: rebooting from the disk", "disk", disk, "version", res.Version)
	if err := n.request(lifecycleReboot); err != nil {
		n.log.Error("install: done, but the reboot was refused; reboot to boot from the disk", "error", err)
	}
}

// fillState ends this run's audit trail with its signed shutdown record (the run ends with
// the reboot into the disk), then copies STATE, with that record, to the new disk's STATE:
// the chain continues there, as after any reboot.
func (n *daemon) fillState(ctx context.Context, disk string) error {
	n.auditShut.Store(true)
	if err := n.audit.Shutdown("shutdown: install: STATE copied to " + disk + "; the node reboots from it"); err != nil {
		return fmt.Errorf("audit shutdown record of the install: %w", err)
	}
	return install.FillStateDir(n.opts.State)(ctx, disk)
}

// reopenAudit opens the audit log again after an install that failed once it had been
// closed, with a new boot record: the node goes on running from RAM.
func (n *daemon) reopenAudit() {
	if !n.auditShut.Swap(false) {
		return
	}
	if err := n.openAudit(); err != nil {
		n.log.Error("audit log not reopened after the failed install", "error", err)
		return
	}
	if m := n.certs.current(); m != nil {
		n.auditCertificates(m, n.config())
	}
	if err := n.bootAudit(); err != nil {
		n.log.Error("audit boot record not written after the failed install", "error", err)
	}
}

func (n *daemon) installProgress(step string) {
	n.log.Info("install", "step", step)
	n.setInstallStatus(step)
}

func (n *daemon) installFailed(disk string, err error) {
	what := "install failed"
	if errors.Is(err, install.ErrRefused) {
		what = "install refused"
	}
	n.reopenAudit()
	n.log.Error(what+"; the node keeps running from RAM", "disk", disk, "error", err)
	_, _ = fmt.Fprintf(n.opts.Stderr, "\nmachined: %s: %v\n\n", what, err)
	n.setInstallStatus(what + ": " + err.Error())
	n.events.publish(KindLifecycle, what, "disk", disk, "error", err.Error())
}

// setInstallStatus shows the install's last step or outcome in the machine status.
func (n *daemon) setInstallStatus(s string) {
	err := modify(n.runCtx, n.st, resources.NewMachineStatus(), func(r *resources.MachineStatus) { r.TypedSpec().Install = s })
	if err != nil {
		n.log.Warn("machine status not updated", "error", err)
	}
}
