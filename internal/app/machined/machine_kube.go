package machined

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/internal/pkg/kubepki"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/config"
)

// bootstrapAccepted is Bootstrap's reply: the services start in the background.
const bootstrapAccepted = "bootstrap accepted: etcd and the Kubernetes control plane are starting; follow them with: cairnctl health --wait 10m"

// Bootstrap initialises etcd and the control plane on this node (kubeBootstrap), once.
func (a *machineAPI) Bootstrap(ctx context.Context, _ *machine.BootstrapRequest) (*machine.ActionResponse, error) {
	if err := a.n.kubeBootstrap(ctx); err != nil {
		return nil, kubeError(err)
	}
	return &machine.ActionResponse{Messages: []*machine.Action{{Metadata: a.n.md(), Message: bootstrapAccepted}}}, nil
}

// kubeError maps the Kubernetes hooks' sentinels to FailedPrecondition, with their text.
func kubeError(err error) error {
	for _, e := range []error{errNotControlPlane, errAlreadyBootstrapped, errKubeNotReady, errEtcdLeft} {
		if errors.Is(err, e) {
			return status.Error(codes.FailedPrecondition, err.Error())
		}
	}
	return err
}

// Kubeconfig issues a fresh admin kubeconfig from the cluster CA of this control plane's
// configuration. Only os:admin may call it (apid's roles table): the reply holds a private key.
func (a *machineAPI) Kubeconfig(context.Context, *common.Empty) (*machine.KubeconfigResponse, error) {
	cfg := a.n.config()
	if cfg == nil {
		return nil, apierr.Precondition("the node has no configuration (maintenance mode): apply one first")
	}
	if cfg.Machine.Type != config.TypeControlPlane || len(cfg.Cluster.CA.Key) == 0 {
		return nil, status.Errorf(codes.FailedPrecondition, "%v: it holds no Kubernetes CA key to issue a kubeconfig with; target a control-plane node (--nodes)", errNotControlPlane)
	}
	data, err := kubepki.AdminKubeconfig(kubepki.AdminInput{
		ClusterName: cfg.Cluster.Name, Endpoint: cfg.Cluster.ControlPlane.Endpoint, KubernetesCA: cfg.Cluster.CA,
	})
	if errors.Is(err, kubepki.ErrInvalidInput) {
		return nil, apierr.Precondition("the configuration cannot issue a kubeconfig: %v", err)
	}
	if err != nil {
		return nil, err
	}
	return &machine.KubeconfigResponse{Messages: []*machine.Kubeconfig{{Metadata: a.n.md(), Data: data, ClusterName: cfg.Cluster.Name}}}, nil
}
