// Package network holds the controllers of the node's network identity.
package network

import (
	"context"
	"fmt"

	"github.com/cosi-project/runtime/pkg/controller"
	"github.com/cosi-project/runtime/pkg/safe"
	"github.com/cosi-project/runtime/pkg/state"
	"github.com/siderolabs/gen/optional"
	"go.uber.org/zap"

	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/resources"
)

// HostnameController derives the Hostname resource from the active MachineConfig: the
// configured host name, else Default.
type HostnameController struct {
	// Default is the name used while the configuration names none (or there is none).
	Default string
}

// Name implements controller.Controller.
func (c *HostnameController) Name() string { return "network.HostnameController" }

// Inputs implements controller.Controller.
func (c *HostnameController) Inputs() []controller.Input {
	return []controller.Input{{
		Namespace: resources.NamespaceConfig, Type: resources.MachineConfigType,
		ID: optional.Some(resources.MachineConfigActiveID), Kind: controller.InputWeak,
	}}
}

// Outputs implements controller.Controller.
func (c *HostnameController) Outputs() []controller.Output {
	return []controller.Output{{Type: resources.HostnameType, Kind: controller.OutputExclusive}}
}

// Run implements controller.Controller.
func (c *HostnameController) Run(ctx context.Context, r controller.Runtime, log *zap.Logger) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-r.EventCh():
		}
		spec, err := c.desired(ctx, r)
		if err != nil {
			log.Warn("host name not derived", zap.Error(err))
			continue
		}
		if err := safe.WriterModify(ctx, r, resources.NewHostname(), func(h *resources.Hostname) error {
			*h.TypedSpec() = spec
			return nil
		}); err != nil {
			return fmt.Errorf("write host name: %w", err)
		}
	}
}

func (c *HostnameController) desired(ctx context.Context, r controller.Runtime) (resources.HostnameSpec, error) {
	mc, err := safe.ReaderGetByID[*resources.MachineConfig](ctx, r, resources.MachineConfigActiveID)
	if state.IsNotFoundError(err) {
		return resources.HostnameSpec{Hostname: c.Default, Source: "default"}, nil
	}
	if err != nil {
		return resources.HostnameSpec{}, err
	}
	cfg, err := config.Decode([]byte(mc.TypedSpec().YAML))
	if err != nil {
		return resources.HostnameSpec{}, fmt.Errorf("decode machine configuration: %w", err)
	}
	if h := cfg.Machine.Network.Hostname; h != "" {
		return resources.HostnameSpec{Hostname: h, Source: "config"}, nil
	}
	return resources.HostnameSpec{Hostname: c.Default, Source: "default"}, nil
}
