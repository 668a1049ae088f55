package kubeservice

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/cosi-project/runtime/pkg/controller"
	"github.com/cosi-project/runtime/pkg/resource"
	"github.com/cosi-project/runtime/pkg/safe"
	"github.com/cosi-project/runtime/pkg/state"
	"github.com/siderolabs/gen/optional"
	"go.uber.org/zap"

	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/resources"
)

// Controller turns the active MachineConfig, the Hostname and the Bootstrap resource into
// the node's Kubernetes files (written through Write) and KubeService resources, which
// machined's service runner starts, restarts and stops.
type Controller struct {
	// Address returns the node's address (the first global one).
	Address func() (netip.Addr, error)
	// Write writes the files of a plan; the controller calls it only when its inputs changed.
	Write func([]File) error

	written string // the FilesDigest of the files last written
}

// Name implements controller.Controller.
func (c *Controller) Name() string { return "kubernetes.ServiceController" }

// Inputs implements controller.Controller.
func (c *Controller) Inputs() []controller.Input {
	return []controller.Input{
		{Namespace: resources.NamespaceConfig, Type: resources.MachineConfigType,
			ID: optional.Some(resources.MachineConfigActiveID), Kind: controller.InputWeak},
		{Namespace: resources.NamespaceNetwork, Type: resources.HostnameType,
			ID: optional.Some(resources.HostnameID), Kind: controller.InputWeak},
		{Namespace: resources.NamespaceKubernetes, Type: resources.BootstrapType,
			ID: optional.Some(resources.BootstrapID), Kind: controller.InputWeak},
	}
}

// Outputs implements controller.Controller.
func (c *Controller) Outputs() []controller.Output {
	return []controller.Output{{Type: resources.KubeServiceType, Kind: controller.OutputExclusive}}
}

// Run implements controller.Controller.
func (c *Controller) Run(ctx context.Context, r controller.Runtime, log *zap.Logger) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-r.EventCh():
		}
		services, err := c.reconcile(ctx, r)
		if err != nil {
			log.Warn("Kubernetes services not derived", zap.Error(err))
			continue
		}
		if err := c.output(ctx, r, services); err != nil {
			return err
		}
	}
}

// reconcile derives the services, writing the files when the inputs changed. No
// configuration (maintenance mode): no services.
func (c *Controller) reconcile(ctx context.Context, r controller.Runtime) ([]Service, error) {
	cfg, node, err := c.inputs(ctx, r)
	if err != nil || cfg == nil {
		return nil, err
	}
	d := FilesDigest(cfg, node)
	if d == c.written {
		// The files are current: derive the services without issuing certificates again.
		return Services(cfg, node)
	}
	plan, err := Render(cfg, node)
	if err != nil {
		return nil, err
	}
	if err := c.Write(plan.Files); err != nil {
		return nil, fmt.Errorf("write Kubernetes files: %w", err)
	}
	c.written = d
	return plan.Services, nil
}

func (c *Controller) inputs(ctx context.Context, r controller.Runtime) (*config.Config, Node, error) {
	mc, err := safe.ReaderGetByID[*resources.MachineConfig](ctx, r, resources.MachineConfigActiveID)
	if state.IsNotFoundError(err) {
		return nil, Node{}, nil
	}
	if err != nil {
		return nil, Node{}, err
	}
	cfg, err := config.Decode([]byte(mc.TypedSpec().YAML))
	if err != nil {
		return nil, Node{}, fmt.Errorf("decode machine configuration: %w", err)
	}
	cfg = cfg.WithDefaults()
	h, err := safe.ReaderGetByID[*resources.Hostname](ctx, r, resources.HostnameID)
	if err != nil {
		return nil, Node{}, fmt.Errorf("host name: %w", err)
	}
	ip, err := c.Address()
	if err != nil {
		return nil, Node{}, err
	}
	b, err := safe.ReaderGetByID[*resources.Bootstrap](ctx, r, resources.BootstrapID)
	if err != nil && !state.IsNotFoundError(err) {
		return nil, Node{}, err
	}
	node := Node{Name: h.TypedSpec().Hostname, IP: ip, Bootstrapped: err == nil}
	if err == nil && b.TypedSpec().Source == resources.BootstrapJoin {
		node.InitialCluster = b.TypedSpec().InitialCluster
	}
	return cfg, node, nil
}

// output makes the KubeService resources exactly the services.
func (c *Controller) output(ctx context.Context, r controller.Runtime, services []Service) error {
	r.StartTrackingOutputs()
	for _, s := range services {
		if err := safe.WriterModify(ctx, r, resources.NewKubeService(s.Name), func(k *resources.KubeService) error {
			*k.TypedSpec() = s.Spec
			return nil
		}); err != nil {
			return fmt.Errorf("write KubeService %s: %w", s.Name, err)
		}
	}
	return safe.CleanupOutputs[*resources.KubeService](ctx, r)
}

var _ resource.Resource = (*resources.KubeService)(nil)
