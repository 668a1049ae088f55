package machined

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/cairn-os/cairn/internal/controllers/kubecluster"
	"github.com/cairn-os/cairn/internal/controllers/kubeservice"
	"github.com/cairn-os/cairn/internal/pkg/apilb"
	"github.com/cairn-os/cairn/internal/pkg/kubeapi"
	"github.com/cairn-os/cairn/internal/pkg/kubepki"
	"github.com/cairn-os/cairn/pkg/machinery/atomicfile"
	"github.com/cairn-os/cairn/pkg/machinery/config"
)

// How often the load balancer's apiservers are looked up again: every 30 s, every 2 s while
// the node has no configuration yet.
const (
	balancerRefresh  = 30 * time.Second
	balancerNoConfig = 2 * time.Second
)

// balancerMemory keeps, in /var, the apiservers the cluster last listed: whenever the cluster
// does not answer, and after a reboot where /var is on EPHEMERAL (not on a node whose /var is
// in memory), the balancer tries them too, so that a node whose endpoint's control plane is
// down still finds the others (a kubelet needs the API to be told where they are).
const balancerMemory = "/var/lib/cairn/api-servers"

// maxRemembered bounds what is read back from balancerMemory.
const maxRemembered = 64

// startAPIBalancer runs, on a node booted from the image, the load balancer for the Kubernetes
// API on 127.0.0.1:7445 (apilb) that a worker's kubelet and every kube-proxy use: it passes
// each connection to this node's own apiserver on a control plane, else to the first of the
// cluster's apiservers that accepts it, so that losing any one control plane loses no node.
// The apiservers are the control-plane endpoint and those the cluster's "kubernetes" service
// lists, looked up every 30 s with the kubelet's credentials (apiServerLister) and remembered
// (balancerMemory).
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
		lister := &apiServerLister{log: n.log.With("component", "api-balancer"),
			newClient: func() (*kubeapi.Client, error) { return kubeClient(kubeservice.KubeletKubeconfig) }}
		remembered, err := loadAPIServers(balancerMemory)
		if err != nil && !os.IsNotExist(err) {
			n.log.Warn("the apiservers this node last knew are unreadable", "file", balancerMemory, "error", err)
		}
		for {
			every := balancerRefresh
			if cfg := n.config(); cfg != nil {
				listed := lister.list(ctx)
				switch {
				case len(listed) == 0:
					listed = remembered
				case !slices.Equal(listed, remembered):
					if err := saveAPIServers(balancerMemory, listed); err != nil {
						n.log.Warn("the cluster's apiservers are not kept for the next boot", "file", balancerMemory, "error", err)
					}
					remembered = listed
				}
				b.SetBackends(balancerBackends(cfg, listed))
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

// apiServerLister asks the cluster for the addresses of the apiservers behind its
// "kubernetes" service, with one client kept from one lookup to the next: its connection stays
// open between them, so that a lookup costs no new TLS handshake (on an emulated node,
// saturated while its control planes start, a fresh handshake and list every 30 s missed a
// 10 s limit again and again, and a worker kept only the endpoint). A lookup that fails is
// logged when the failures start, every failWarnEvery lookups while they last, and when they end.
type apiServerLister struct {
	log       *slog.Logger
	newClient func() (*kubeapi.Client, error)
	c         *kubeapi.Client
	failures  int
}

// Lookups are bounded by balancerListTimeout, under balancerRefresh; failWarnEvery is how
// often (in lookups) a lasting failure is logged again.
const (
	balancerListTimeout = 25 * time.Second
	failWarnEvery       = 10
)

// list returns the apiservers the cluster lists; none when it does not answer, or before the
// kubelet has its kubeconfig (TLS bootstrap), which is not a failure.
func (l *apiServerLister) list(ctx context.Context) []netip.AddrPort {
	if l.c == nil {
		c, err := l.newClient()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			l.failed(err)
			return nil
		}
		l.c = c
	}
	ctx, cancel := context.WithTimeout(ctx, balancerListTimeout)
	defer cancel()
	out, err := kubecluster.APIServers(ctx, l.c)
	if err != nil {
		l.failed(err)
		return nil
	}
	if l.failures > 0 {
		l.log.Info("the cluster's apiservers are listed again", "after_failures", l.failures, "apiservers", out)
	}
	l.failures = 0
	return out
}

func (l *apiServerLister) failed(err error) {
	if l.failures%failWarnEvery == 0 {
		l.log.Warn("the cluster's apiservers could not be listed; the balancer keeps those it knows", "failures", l.failures+1, "error", err)
	}
	l.failures++
}

// apiServers asks the cluster once, with the kubeconfig at path, for the addresses of the
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

// saveAPIServers writes the addresses to file, one per line, replacing it whole (a crash
// leaves the old list or the new one).
func saveAPIServers(file string, list []netip.AddrPort) error {
	var buf bytes.Buffer
	for _, a := range list {
		fmt.Fprintln(&buf, a)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return err
	}
	return atomicfile.Write(file, buf.Bytes(), 0o600, true)
}

// loadAPIServers reads what saveAPIServers wrote: at most maxRemembered addresses in at most
// 64 KiB; a longer file, or a line that is not an address:port, is an error naming it.
func loadAPIServers(file string) ([]netip.AddrPort, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close() //nolint:errcheck // read only
	const limit = 64 << 10
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if len(data) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", file, limit)
	}
	return parseAPIServers(bytes.NewReader(data))
}

func parseAPIServers(r io.Reader) ([]netip.AddrPort, error) {
	var out []netip.AddrPort
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		if sc.Text() == "" {
			continue
		}
		a, err := netip.ParseAddrPort(sc.Text())
		if err != nil || a.Port() == 0 {
			return nil, fmt.Errorf("line %d: %q is not an apiserver's address:port", n, sc.Text())
		}
		if len(out) == maxRemembered {
			return nil, fmt.Errorf("more than %d apiservers", maxRemembered)
		}
		out = append(out, a)
	}
	return out, sc.Err()
}
