package machined

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/internal/pkg/mount"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// Bounds of a try.
const (
	defaultTryTimeout = time.Minute
	maxTryTimeout     = 24 * time.Hour
)

// tryConfig is a configuration applied live but not stored, reverted unless confirmed.
type tryConfig struct {
	prev  *config.Config
	timer *time.Timer
}

func (a *machineAPI) GetConfiguration(ctx context.Context, _ *common.Empty) (*machine.ConfigurationResponse, error) {
	cfg := a.n.config()
	if cfg == nil {
		return nil, apierr.Precondition("the node has no configuration (maintenance mode)")
	}
	redacted := !role.SeesSecrets(callerRoles(ctx))
	if redacted {
		cfg = cfg.Redact()
	}
	data, err := cfg.Encode()
	if err != nil {
		return nil, err
	}
	return &machine.ConfigurationResponse{Messages: []*machine.Configuration{{Metadata: a.n.md(), Data: data, Redacted: redacted}}}, nil
}

func (a *machineAPI) ApplyConfiguration(ctx context.Context, r *machine.ApplyConfigurationRequest) (*machine.ApplyConfigurationResponse, error) {
	if len(r.GetData()) == 0 {
		return nil, apierr.Invalid("data: the configuration is empty")
	}
	cfg, err := a.n.parseConfig(r.GetData())
	if err != nil {
		return nil, apierr.Invalid("configuration: %v", err)
	}
	old := a.n.config()
	reply := &machine.ApplyConfiguration{Metadata: a.n.md(), Diff: configDiff(old, cfg)}
	changes := rebootChanges(old, cfg)
	switch {
	case r.GetDryRun():
		reply.Mode, reply.RebootRequired = "dry-run", len(changes) > 0 && old != nil
		reply.Message = "dry run: nothing was changed"
		if reply.RebootRequired {
			reply.Message += fmt.Sprintf("; applying would need a reboot (%s changed)", strings.Join(changes, ", "))
			if why := a.n.stateLost(); why != "" {
				reply.Message += ", which this node refuses: " + why
			}
		}
	case old == nil:
		err = a.n.applyFromMaintenance(ctx, cfg, reply)
	default:
		err = a.n.apply(ctx, r, cfg, changes, reply)
	}
	if err != nil {
		return nil, err
	}
	return &machine.ApplyConfigurationResponse{Messages: []*machine.ApplyConfiguration{reply}}, nil
}

func (n *daemon) applyFromMaintenance(ctx context.Context, cfg *config.Config, reply *machine.ApplyConfiguration) error {
	if err := n.persist(activeConfigFile, cfg); err != nil {
		return err
	}
	if err := n.activate(cfg); err != nil {
		return err
	}
	n.setStage(ctx)
	reply.Mode, reply.Message = "maintenance", "configuration "+n.storedOrKept()+" and applied: the node left maintenance mode and now requires client certificates"
	if what := n.maybeInstall(); what != "" {
		reply.Message += "; " + what
	}
	return nil
}

// stateLost says why what the node stores does not survive a reboot, or "" when it does: its
// STATE directory is held in memory (the VM's tmpfs until persistent STATE exists).
func (n *daemon) stateLost() string {
	mem, err := mount.InMemory(n.opts.State)
	if err != nil {
		n.log.Error("state directory not checked: taken as not persistent", "error", err)
		return fmt.Sprintf("this node cannot tell whether its STATE (%s) survives a reboot", n.opts.State)
	}
	if mem {
		return fmt.Sprintf("this node's STATE (%s) is held in memory and does not survive a reboot", n.opts.State)
	}
	return ""
}

// storedOrKept is how a reply says the configuration was written: stored, or kept in memory only.
func (n *daemon) storedOrKept() string {
	if why := n.stateLost(); why != "" {
		return "kept until the next reboot (" + why + ")"
	}
	return "stored"
}

// refuseUnkept refuses to store a configuration for a reboot that a node without persistent
// STATE would come back from without it. what names the request: "--mode staged", ...
func (n *daemon) refuseUnkept(what string) error {
	if why := n.stateLost(); why != "" {
		return apierr.Precondition("%s refused: %s, so the configuration would be lost at the reboot that should apply it; nothing was changed (changes that need no reboot apply with --mode auto or try)", what, why)
	}
	return nil
}

func (n *daemon) apply(ctx context.Context, r *machine.ApplyConfigurationRequest, cfg *config.Config, changes []string, reply *machine.ApplyConfiguration) error {
	n.mu.Lock()
	trying := n.try != nil
	n.mu.Unlock()
	if trying {
		return apierr.Precondition("a configuration is being tried: confirm it or wait for it to be reverted first")
	}
	mode := r.GetMode()
	if mode == machine.ApplyConfigurationRequest_AUTO && len(changes) > 0 {
		mode = machine.ApplyConfigurationRequest_REBOOT
	}
	reply.RebootRequired = len(changes) > 0
	if mode == machine.ApplyConfigurationRequest_STAGED || mode == machine.ApplyConfigurationRequest_REBOOT {
		what := "--mode " + strings.ToLower(r.GetMode().String())
		if r.GetMode() == machine.ApplyConfigurationRequest_AUTO {
			what = fmt.Sprintf("applying (it needs a reboot: %s changed)", strings.Join(changes, ", "))
		}
		if err := n.refuseUnkept(what); err != nil {
			return err
		}
	}
	switch mode {
	case machine.ApplyConfigurationRequest_STAGED:
		if err := n.persist(stagedConfigFile, cfg); err != nil {
			return err
		}
		n.events.publish(KindConfig, "configuration staged for the next boot")
		n.setStage(ctx)
		reply.Mode, reply.Message = "staged", "configuration staged: it becomes active at the next reboot"
	case machine.ApplyConfigurationRequest_REBOOT:
		if err := n.persist(stagedConfigFile, cfg); err != nil {
			return err
		}
		if err := n.request(lifecycleReboot); err != nil {
			return apierr.Precondition("%v", err)
		}
		reply.Mode, reply.Message = "reboot", "configuration stored; the node reboots to apply it"
		if len(changes) > 0 {
			reply.Message += fmt.Sprintf(" (%s changed, which needs a reboot)", strings.Join(changes, ", "))
		}
	case machine.ApplyConfigurationRequest_TRY:
		return n.applyTry(ctx, r, cfg, changes, reply)
	default:
		if err := n.persist(activeConfigFile, cfg); err != nil {
			return err
		}
		if err := n.activate(cfg); err != nil {
			return err
		}
		reply.Mode, reply.Message = "auto", "configuration applied live: no reboot needed"
		if why := n.stateLost(); why != "" {
			reply.Message += "; kept until the next reboot (" + why + ")"
		}
		if what := n.maybeInstall(); what != "" {
			reply.Message += "; " + what
		}
	}
	return nil
}

func (n *daemon) applyTry(ctx context.Context, r *machine.ApplyConfigurationRequest, cfg *config.Config, changes []string, reply *machine.ApplyConfiguration) error {
	if len(changes) > 0 {
		return apierr.Precondition("try mode applies only changes that need no reboot; %s changed", strings.Join(changes, ", "))
	}
	timeout := defaultTryTimeout
	if d := r.GetTryTimeout(); d != nil {
		timeout = d.AsDuration()
	}
	if timeout < time.Second || timeout > maxTryTimeout {
		return apierr.Invalid("try_timeout: %s is not between 1s and %s", timeout, maxTryTimeout)
	}
	prev := n.config()
	if err := n.activate(cfg); err != nil {
		return err
	}
	n.mu.Lock()
	n.try = &tryConfig{prev: prev, timer: time.AfterFunc(timeout, n.revertTry)}
	n.mu.Unlock()
	n.setStage(ctx)
	n.events.publish(KindConfig, "configuration applied on trial", "timeout", timeout.String())
	reply.Mode = "try"
	reply.Message = fmt.Sprintf("configuration applied on trial: it is reverted in %s unless confirmed (cairnctl apply-config --confirm)", timeout)
	return nil
}

// revertTry restores the configuration that was active before the try.
func (n *daemon) revertTry() {
	n.mu.Lock()
	t := n.try
	n.try = nil
	n.mu.Unlock()
	if t == nil {
		return
	}
	if err := n.activate(t.prev); err != nil {
		n.log.Error("tried configuration not reverted", "error", err)
		return
	}
	n.setStage(context.Background())
	n.events.publish(KindConfig, "tried configuration reverted: it was not confirmed in time")
}

func (n *daemon) cancelTry() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.try != nil {
		n.try.timer.Stop()
		n.try = nil
	}
}

func (a *machineAPI) ConfirmConfiguration(ctx context.Context, _ *common.Empty) (*machine.ActionResponse, error) {
	a.n.mu.Lock()
	t := a.n.try
	if t != nil && t.timer.Stop() {
		a.n.try = nil
	} else {
		t = nil
	}
	a.n.mu.Unlock()
	if t == nil {
		return nil, apierr.Precondition("no configuration is being tried")
	}
	if err := a.n.persist(activeConfigFile, a.n.config()); err != nil {
		return nil, err
	}
	a.n.setStage(ctx)
	a.n.events.publish(KindConfig, "tried configuration confirmed")
	return a.action("tried configuration confirmed and " + a.n.storedOrKept()), nil
}

// configDiff is the diff of the redacted configurations, so that it never shows a secret.
func configDiff(old, cfg *config.Config) string {
	enc := func(c *config.Config) string {
		if c == nil {
			return ""
		}
		b, err := c.Redact().Encode()
		if err != nil {
			return fmt.Sprintf("(not encodable: %v)\n", err)
		}
		return string(b)
	}
	d := unifiedDiff("active", "new", enc(old), enc(cfg))
	if d == "" && old != nil && !reflect.DeepEqual(old, cfg) {
		return "(only secrets differ; they are not shown)\n"
	}
	return d
}

// liveMachineFields can change without a reboot.
var liveMachineFields = map[string]bool{"CertSANs": true, "Network": true, "Logging": true,
	// Read when an upgrade or an install runs, never at boot.
	"Upgrade": true, "Install": true}

// rebootChanges lists the configuration sections whose change needs a reboot.
func rebootChanges(old, cfg *config.Config) []string {
	if old == nil {
		return nil
	}
	var out []string
	ov, nv := reflect.ValueOf(old.Machine), reflect.ValueOf(cfg.Machine)
	for i := range ov.NumField() {
		f := ov.Type().Field(i)
		if !liveMachineFields[f.Name] && !reflect.DeepEqual(ov.Field(i).Interface(), nv.Field(i).Interface()) {
			out = append(out, "machine."+config.YAMLName(f))
		}
	}
	if !reflect.DeepEqual(old.Cluster, cfg.Cluster) {
		out = append(out, "cluster")
	}
	if !reflect.DeepEqual(old.Documents, cfg.Documents) {
		out = append(out, "documents")
	}
	return out
}
