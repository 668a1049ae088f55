package machined

import (
	"context"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"time"

	"github.com/cairn-os/cairn/internal/controllers/kubecluster"
	"github.com/cairn-os/cairn/internal/controllers/kubeservice"
	"github.com/cairn-os/cairn/internal/pkg/apilb"
	"github.com/cairn-os/cairn/internal/pkg/kubepki"
	"github.com/cairn-os/cairn/pkg/machinery/config"
)

// How often the load balancer's apiservers are looked up again: every 30 s, every 2 s while
// the node has no configuration yet.
const (
	balancerRefresh  = 30 * time.Second
	balancerNoConfig = 2 * time.Second
)

// startAPIBalancer runs, on a node booted from the image, the load balancer for the Kubernetes
// API on 127.0.0.1:7445 (apilb) that a worker's kubelet and every kube-proxy use: it passes
// each connection to this node's own apiserver on a control plane, else to the first of the
// cluster's apiservers that accepts it, so that losing any one control plane loses no node.
// The apiservers are the control-plane endpoint and those the cluster's "kubernetes" service
// lists, looked up every 30 s with the kubelet's credentials.
func (n *daemon) startAPIBalancer(ctx context.Context) {
	ln, err := net.Listen("tcp", netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), kubeservice.APIBalancerPort).String())
	if err != nil {
		n.log.Error("Kubernetes API load balancer not started", "error", err)
		return
	}
	b := apilb.New(n.log.With("component", "api-balancer"))
	go func() {
		if err := b.Serve(ctx, ln); err != nil {
			n.log.Error("Kubernetes API load balancer stopped", "error", err)
		}
	}()
	go func() {
		for {
			every := balancerRefresh
			if cfg := n.config(); cfg != nil {
				b.SetBackends(balancerBackends(cfg, apiServers(ctx, kubeservice.KubeletKubeconfig)))
			} else {
				every = balancerNoConfig // the configuration comes soon after boot, or with apply-config
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(every):
			}
		}
	}()
}

// balancerBackends orders the apiservers: this node's own on a control plane, then those the
// cluster listed, then the endpoint (which may be one of them, or a name or VIP in front).
func balancerBackends(cfg *config.Config, listed []netip.AddrPort) []string {
	var out []string
	if cfg.Machine.Type == config.TypeControlPlane {
		out = append(out, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), kubepki.DefaultLocalAPIPort).String())
	}
	for _, a := range listed {
		out = append(out, a.String())
	}
	if u, err := url.Parse(cfg.Cluster.ControlPlane.Endpoint); err == nil && u.Port() != "" {
		if h := net.JoinHostPort(u.Hostname(), u.Port()); !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

// apiServers asks the cluster, with the kubeconfig at path, for the addresses of the
// apiservers behind its "kubernetes" service; none when it does not answer.
func apiServers(ctx context.Context, kubeconfig string) []netip.AddrPort {
	c, err := kubeClient(kubeconfig)
	if err != nil {
		return nil
	}
	defer c.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(ctx, discoverTimeout)
	defer cancel()
	out, _ := kubecluster.APIServers(ctx, c)
	return out
}
