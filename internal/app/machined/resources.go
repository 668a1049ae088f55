package machined

import (
	"context"
	"fmt"
	"os"

	"github.com/cosi-project/runtime/pkg/controller/runtime"
	"github.com/cosi-project/runtime/pkg/resource"
	"github.com/cosi-project/runtime/pkg/safe"
	"github.com/cosi-project/runtime/pkg/state"
	"github.com/cosi-project/runtime/pkg/state/impl/inmem"
	"github.com/cosi-project/runtime/pkg/state/impl/namespaced"
	"github.com/cosi-project/runtime/pkg/state/registry"

	"github.com/cairn-os/cairn/internal/controllers/network"
	"github.com/cairn-os/cairn/internal/pkg/supervisor"
	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/resources"
)

// startResources creates the in-memory COSI state, registers the resource definitions and
// starts the controller runtime.
func (n *daemon) startResources(ctx context.Context) error {
	n.st = state.WrapCore(namespaced.NewState(inmem.Build))
	nsReg := registry.NewNamespaceRegistry(n.st)
	if err := nsReg.RegisterDefault(ctx); err != nil {
		return fmt.Errorf("register namespaces: %w", err)
	}
	for ns, desc := range resources.Namespaces {
		if err := nsReg.Register(ctx, ns, desc); err != nil {
			return fmt.Errorf("register namespace %s: %w", ns, err)
		}
	}
	rdReg := registry.NewResourceRegistry(n.st)
	if err := rdReg.RegisterDefault(ctx); err != nil {
		return fmt.Errorf("register resource definitions: %w", err)
	}
	for _, r := range resources.All() {
		if err := rdReg.Register(ctx, r); err != nil {
			return fmt.Errorf("register %s: %w", r.ResourceDefinition().Type, err)
		}
	}
	rt, err := runtime.NewRuntime(n.st, zapToSlog(n.log.With("component", "controllers")))
	if err != nil {
		return fmt.Errorf("controller runtime: %w", err)
	}
	if err := rt.RegisterController(&network.HostnameController{Default: n.defaultHostname}); err != nil {
		return err
	}
	if err := n.startKube(ctx, rt); err != nil {
		return fmt.Errorf("start the Kubernetes controllers: %w", err)
	}
	go func() {
		if err := rt.Run(ctx); err != nil {
			n.log.Error("controller runtime stopped", "error", err)
		}
	}()
	return nil
}

// modify creates or updates a resource in the state.
func modify[T resource.Resource](ctx context.Context, st state.State, r T, fn func(T)) error {
	_, err := safe.StateModifyWithResult(ctx, st, r, func(r T) error { fn(r); return nil })
	return err
}

func (n *daemon) storeConfigResource(cfg *config.Config) error {
	data, err := cfg.Encode()
	if err != nil {
		return err
	}
	return modify(context.Background(), n.st, resources.NewMachineConfig(), func(r *resources.MachineConfig) {
		r.TypedSpec().YAML = string(data)
	})
}

func (n *daemon) dropConfigResource() error {
	err := n.st.Destroy(context.Background(), resources.NewMachineConfig().Metadata())
	if err != nil && !state.IsNotFoundError(err) {
		return fmt.Errorf("drop configuration resource: %w", err)
	}
	return nil
}

func (n *daemon) updateServiceResource(s supervisor.Status) {
	if n.st == nil {
		return
	}
	err := modify(context.Background(), n.st, resources.NewServiceStatus(s.Name), func(r *resources.ServiceStatus) {
		*r.TypedSpec() = resources.ServiceStatusSpec{State: string(s.State), PID: s.PID, Restarts: s.Restarts, LastError: s.LastError, DependsOn: s.DependsOn}
	})
	if err != nil {
		n.log.Warn("service resource not updated", "service", s.Name, "error", err)
	}
}

// setStage records the machine's stage from its configuration state.
func (n *daemon) setStage(ctx context.Context) {
	stage := resources.StageRunning
	if n.config() == nil {
		stage = resources.StageMaintenance
	}
	n.setStageTo(ctx, stage)
}

func (n *daemon) setStageTo(ctx context.Context, stage string) {
	pending := ""
	if _, err := os.Stat(n.statePath(stagedConfigFile)); err == nil {
		pending = "staged"
	}
	n.mu.Lock()
	if n.try != nil {
		pending = "try"
	}
	configured := n.cfg != nil
	n.mu.Unlock()
	err := modify(ctx, n.st, resources.NewMachineStatus(), func(r *resources.MachineStatus) {
		*r.TypedSpec() = resources.MachineStatusSpec{Stage: stage, Mode: n.opts.Mode, Configured: configured, ConfigPending: pending, Install: r.TypedSpec().Install}
	})
	if err != nil {
		n.log.Warn("machine status not updated", "error", err)
	}
}
