package machined

import (
	"bufio"
	"bytes"
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cairn-os/cairn/internal/controllers/kubecluster"
	"github.com/cairn-os/cairn/internal/controllers/kubeservice"
	"github.com/cairn-os/cairn/internal/pkg/kubeapi"
	"github.com/cairn-os/cairn/internal/pkg/kubepki"
	"github.com/cairn-os/cairn/internal/pkg/netconf"
	"github.com/cairn-os/cairn/internal/pkg/supervisor"
	"github.com/cairn-os/cairn/pkg/machinery/atomicfile"
	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/resources"
)

// opsRetry is how long the cluster-side work waits between attempts (the apiserver not yet
// up, the kubelet not yet joined).
const opsRetry = 5 * time.Second

// startKubeOps starts, once, machined's work through the Kubernetes API: on every node the
// pod network (its CNI configuration from its pod CIDR, routes to the other nodes' pod
// CIDRs); on a bootstrapped control plane the bootstrap objects, then the approval of the
// kubelets' serving certificates.
func (n *daemon) startKubeOps(ctx context.Context) {
	go n.retry(ctx, "pod network", kubeservice.Kubelet, n.podNetwork)
	if cfg := n.config(); cfg != nil && cfg.Machine.Type == config.TypeControlPlane {
		go n.retry(ctx, "cluster bootstrap objects and serving certificate approval", kubeservice.APIServer, n.clusterOps)
	}
}

// retry runs fn until ctx ends, again after each failure, each time once the service after
// runs: the kubelet (ready once it has its client certificate: the node is registered) or the
// local apiserver (ready once its /readyz answers). Until then a try would only fail, and
// each failure costs a TLS handshake with an apiserver that is starting under emulation.
func (n *daemon) retry(ctx context.Context, what, after string, fn func(context.Context) error) {
	for ctx.Err() == nil {
		if st, _ := n.serviceState(after); st == supervisor.StateRunning {
			if err := fn(ctx); err != nil && ctx.Err() == nil {
				n.log.Debug("Kubernetes work failed; retrying", "what", what, "error", err)
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(opsRetry):
		}
	}
}

// client returns a client from a kubeconfig once the file exists.
func kubeClient(path string) (*kubeapi.Client, error) {
	cfg, err := kubeapi.LoadKubeconfig(path)
	if err != nil {
		return nil, err
	}
	return kubeapi.New(cfg)
}

// podNetwork runs with the kubelet's own credentials (it may read Nodes): it writes the CNI
// configuration once the node has a pod CIDR and keeps the routes to the others' current.
func (n *daemon) podNetwork(ctx context.Context) error {
	c, err := kubeClient(kubeservice.KubeletKubeconfig)
	if err != nil {
		return err
	}
	self, err := os.Hostname()
	if err != nil {
		return err
	}
	if err := n.writeCNIConfig(ctx, c, strings.ToLower(self)); err != nil {
		return err
	}
	return kubecluster.SyncPodRoutes(ctx, c, strings.ToLower(self), netconf.ReplaceRoutes, n.log.With("component", "pod-routes"))
}

// writeCNIConfig waits until the node's pod CIDR is allocated and writes the CNI
// configuration for it (the kubelet reports the node Ready once it is there).
func (n *daemon) writeCNIConfig(ctx context.Context, c *kubeapi.Client, self string) error {
	for {
		var node struct {
			Spec struct {
				PodCIDR string `json:"podCIDR"`
			} `json:"spec"`
		}
		err := c.Get(ctx, "/api/v1/nodes/"+self, &node)
		if err == nil && node.Spec.PodCIDR != "" {
			if _, err := netip.ParsePrefix(node.Spec.PodCIDR); err != nil {
				return err
			}
			n.log.Info("pod network configured", "podCIDR", node.Spec.PodCIDR)
			return atomicfile.Write(filepath.Join(kubeservice.CNIConfDir, "10-cairn.conflist"), kubeservice.CNIConfig(node.Spec.PodCIDR), 0o600, true)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// clusterOps, once this control plane is bootstrapped, applies the bootstrap objects (as
// kubeadm does, with the system:masters kubeconfig) and then approves serving CSRs.
func (n *daemon) clusterOps(ctx context.Context) error {
	if _, err := n.st.Get(ctx, resources.NewBootstrap().Metadata()); err != nil {
		return err
	}
	c, err := kubeClient(kubeservice.SuperAdminKubeconfig)
	if err != nil {
		return err
	}
	cfg := n.config()
	if cfg == nil {
		return errKubeNotReady
	}
	cl := cfg.WithDefaults().Cluster
	in := kubecluster.ManifestInput{BootstrapToken: cl.Token, ServiceSubnets: cl.Network.ServiceSubnets,
		DNSDomain: cl.Network.DNSDomain, Upstreams: resolvers()}
	if err := kubecluster.ApplyBootstrap(ctx, c, in); err != nil {
		return err
	}
	n.log.Info("cluster bootstrap objects applied")
	// The approver needs no system:masters: admin.conf's group is bound to cluster-admin now.
	admin, err := kubeClient(kubepki.AdminConf)
	if err != nil {
		return err
	}
	return kubecluster.ApproveServingCSRs(ctx, admin, n.log.With("component", "csr-approver"))
}

// resolvers are the name servers of /etc/resolv.conf, for CoreDNS to forward to.
func resolvers() []netip.Addr {
	data, _ := os.ReadFile("/etc/resolv.conf")
	var out []netip.Addr
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 && f[0] == "nameserver" {
			if a, err := netip.ParseAddr(f[1]); err == nil {
				out = append(out, a)
			}
		}
	}
	return out
}
