package machined

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"github.com/cosi-project/runtime/pkg/controller/runtime"
	"github.com/cosi-project/runtime/pkg/safe"
	"github.com/cosi-project/runtime/pkg/state"

	"github.com/cairn-os/cairn/internal/controllers/kubeservice"
	"github.com/cairn-os/cairn/internal/pkg/netconf"
	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/resources"
)

// Errors of the Kubernetes calls, mapped to gRPC codes at the API edge.
var (
	// errNotControlPlane: the call needs a control-plane node.
	errNotControlPlane = errors.New("this node is a worker, not a control-plane node")
	// errAlreadyBootstrapped: etcd already holds a cluster on this node.
	errAlreadyBootstrapped = errors.New("the cluster is already bootstrapped on this node")
	// errKubeNotReady: the node has no configuration or its Kubernetes services are not up.
	errKubeNotReady = errors.New("the node does not run Kubernetes yet")
)

// kubeBootstrap initialises etcd and the control plane on this node: it returns once the
// request is accepted (the services then start in the background); it refuses a worker
// (errNotControlPlane), a node that has no configuration or does not run Kubernetes
// (errKubeNotReady) and a second call (errAlreadyBootstrapped), changing nothing.
func (n *daemon) kubeBootstrap(ctx context.Context) error {
	if err := n.canBootstrap(); err != nil {
		return err
	}
	n.kubeMu.Lock()
	defer n.kubeMu.Unlock()
	if err := n.canBootstrapLocked(); err != nil {
		return err
	}
	if err := n.recordBootstrap(ctx, resources.BootstrapAPI); err != nil {
		return err
	}
	n.events.publish(KindLifecycle, "bootstrap: starting etcd and the control plane")
	return nil
}

// canBootstrap refuses a node that cannot run the control plane: no configuration, not booted
// from the image, or a worker.
func (n *daemon) canBootstrap() error {
	cfg := n.config()
	switch {
	case cfg == nil || n.opts.Mode != ModeMetal:
		return fmt.Errorf("%w: %s", errKubeNotReady, n.kubeAbsence(cfg))
	case cfg.Machine.Type != config.TypeControlPlane:
		return errNotControlPlane
	}
	return nil
}

// canBootstrapLocked (under kubeMu; without it, only as an early refusal) refuses a node whose
// etcd holds a member, or whose member left its cluster.
func (n *daemon) canBootstrapLocked() error {
	if _, err := os.Stat(filepath.Join(kubeservice.EtcdDataDir, "member")); err == nil {
		return fmt.Errorf("%w: etcd's data directory %s holds a member", errAlreadyBootstrapped, kubeservice.EtcdDataDir)
	}
	if rec, ok := etcdLeft(kubeservice.EtcdDataDir); ok {
		return fmt.Errorf("%w (%s): a cluster of its own would split the control plane; reset the node (cairnctl reset) first; nothing was changed", errEtcdLeft, strings.TrimSpace(rec))
	}
	return nil
}

// recordBootstrap (under kubeMu) creates the Bootstrap resource that starts etcd and the
// control plane, refusing a node bootstrapped already (or joined).
func (n *daemon) recordBootstrap(ctx context.Context, source string) error {
	b := resources.NewBootstrap()
	b.TypedSpec().Source = source
	if err := n.st.Create(ctx, b); state.IsConflictError(err) {
		if err := n.bootstrapped(ctx); err != nil {
			return err
		}
		return fmt.Errorf("%w: bootstrap was already requested", errAlreadyBootstrapped)
	} else if err != nil {
		return fmt.Errorf("record the bootstrap: %w", err)
	}
	return nil
}

// bootstrapped refuses a node that has a Bootstrap already, saying whether it joined.
func (n *daemon) bootstrapped(ctx context.Context) error {
	b, err := safe.StateGetByID[*resources.Bootstrap](ctx, n.st, resources.BootstrapID)
	switch {
	case state.IsNotFoundError(err):
		return nil
	case err != nil:
		return err
	case b.TypedSpec().Source == resources.BootstrapJoin:
		return fmt.Errorf("%w: this node joined the cluster's etcd through %s", errAlreadyBootstrapped, b.TypedSpec().JoinedThrough)
	}
	return fmt.Errorf("%w: bootstrap was already requested", errAlreadyBootstrapped)
}

// kubeAbsence says why a node does not run Kubernetes.
func (n *daemon) kubeAbsence(cfg *config.Config) string {
	if cfg == nil {
		return "the node has no configuration (maintenance mode)"
	}
	return "Kubernetes runs only on nodes booted from the image (metal mode), not in container mode"
}

// startKube registers the Kubernetes controllers: only on a node booted from the image,
// where the components and the paths they use exist. A control plane whose etcd already holds
// data (a restart of machined) is bootstrapped; one that was not joins an existing cluster's
// etcd when it finds one (etcdMembership).
func (n *daemon) startKube(ctx context.Context, rt *runtime.Runtime) error {
	if n.opts.Mode != ModeMetal {
		return nil
	}
	if _, err := os.Stat(filepath.Join(kubeservice.EtcdDataDir, "member")); err == nil {
		b := resources.NewBootstrap()
		b.TypedSpec().Source = resources.BootstrapData
		if err := n.st.Create(ctx, b); err != nil && !state.IsConflictError(err) {
			return err
		}
	}
	go n.etcdMembership(ctx)
	n.startAPIBalancer(ctx)
	if err := rt.RegisterController(&kubeservice.Controller{Address: nodeAddress, Write: n.prepareKube}); err != nil {
		return err
	}
	return rt.RegisterController(&kubeRunner{n: n})
}

// nodeAddress is the node's first global IPv4 address.
func nodeAddress() (netip.Addr, error) {
	prefixes, err := netconf.Addresses()
	if err != nil {
		return netip.Addr{}, err
	}
	for _, p := range prefixes {
		if a := p.Addr(); a.Is4() && a.IsGlobalUnicast() {
			return a, nil
		}
	}
	return netip.Addr{}, errors.New("the node has no global IPv4 address")
}
