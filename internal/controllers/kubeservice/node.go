// Package kubeservice derives how a node runs Kubernetes from its machine configuration: the
// files each component reads (certificates, kubeconfigs, component configurations, at
// kubeadm's paths) and the services machined supervises (containerd, kubelet and kube-proxy on
// every node; etcd, kube-apiserver, kube-controller-manager and kube-scheduler on a control
// plane). Render is pure; Controller runs it whenever its inputs change.
package kubeservice

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	"github.com/cairn-os/cairn/pkg/machinery/config"
)

// Service names.
const (
	Containerd        = "containerd"
	Kubelet           = "kubelet"
	KubeProxy         = "kube-proxy"
	Etcd              = "etcd"
	APIServer         = "kube-apiserver"
	ControllerManager = "kube-controller-manager"
	Scheduler         = "kube-scheduler"
)

// Node is what Render needs to know about the node besides its configuration.
type Node struct {
	// Name is the node's host name (its Kubernetes node name and etcd member name).
	Name string
	// IP is the node's address other nodes reach it on.
	IP netip.Addr
	// Bootstrapped says this control plane may run etcd (and so the control plane).
	Bootstrapped bool
	// InitialCluster, when the node's etcd member was added to an existing cluster, is the
	// cluster it starts into (--initial-cluster-state existing); empty, etcd starts a cluster of
	// its own (or, holding data, ignores both flags).
	InitialCluster string
}

// params are the checked values the templates and flags use.
type params struct {
	cfg           *config.Config
	node          Node
	controlPlane  bool
	podCIDR       string
	serviceCIDR   string
	dnsIP         netip.Addr
	dnsDomain     string
	featureGates  string
	encryptionKey string
}

func newParams(cfg *config.Config, node Node) (*params, error) {
	if !node.IP.IsValid() {
		return nil, fmt.Errorf("node %q has no address", node.Name)
	}
	cl := cfg.Cluster
	p := &params{cfg: cfg, node: node, controlPlane: cfg.Machine.Type == config.TypeControlPlane,
		dnsDomain: cl.Network.DNSDomain, encryptionKey: cl.AESCBCEncryptionSecret, featureGates: gateList(cl.FeatureGates)}
	if len(cl.Network.PodSubnets) == 0 || len(cl.Network.ServiceSubnets) == 0 {
		return nil, fmt.Errorf("cluster.network: pod and service subnets are required")
	}
	p.podCIDR, p.serviceCIDR = cl.Network.PodSubnets[0], cl.Network.ServiceSubnets[0]
	svc, err := netip.ParsePrefix(p.serviceCIDR)
	if err != nil {
		return nil, fmt.Errorf("cluster.network.serviceSubnets[0] %q: %w", p.serviceCIDR, err)
	}
	p.dnsIP = nth(svc.Masked().Addr(), 10)
	if p.dnsDomain == "" {
		p.dnsDomain = "cluster.local"
	}
	return p, nil
}

// gateList is cluster.featureGates as a --feature-gates value: name=bool, sorted, comma
// separated; "" for none.
func gateList(gates map[string]bool) string {
	kv := make([]string, 0, len(gates))
	for _, name := range slices.Sorted(maps.Keys(gates)) {
		kv = append(kv, fmt.Sprintf("%s=%t", name, gates[name]))
	}
	return strings.Join(kv, ",")
}

// nth is the n-th address after a.
func nth(a netip.Addr, n int) netip.Addr {
	for range n {
		a = a.Next()
	}
	return a
}
