package machined

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cosi-project/runtime/pkg/safe"
	"github.com/cosi-project/runtime/pkg/state"

	"github.com/cairn-os/cairn/internal/controllers/kubeservice"
	"github.com/cairn-os/cairn/internal/pkg/etcdops"
	"github.com/cairn-os/cairn/internal/pkg/kubepki"
	"github.com/cairn-os/cairn/internal/pkg/supervisor"
	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/resources"
)

// Bounds of the etcd membership work.
const (
	// etcdJoinEvery is how often a control plane without a member looks for a cluster to join,
	// and a learner asks to be promoted.
	etcdJoinEvery = 10 * time.Second
	// etcdJoinTimeout bounds one attempt to add this node's member (etcd may ask to wait 5 s
	// after the previous membership change).
	etcdJoinTimeout = 30 * time.Second
	// etcdPromoteTimeout bounds one attempt to promote it (etcd refuses until it caught up).
	etcdPromoteTimeout = 2 * time.Minute
	// discoverTimeout bounds asking the apiserver where the other control planes are.
	discoverTimeout = 10 * time.Second
)

// etcdMembership runs on a node booted from the image for as long as ctx lives. On a
// control-plane node that nobody bootstrapped and whose etcd holds no member, it looks for
// the cluster's etcd (at the control-plane endpoint's host and at every apiserver the cluster
// lists) and, once one answers, has this node's member added there as a learner: the node is
// then bootstrapped with the initial cluster etcd returned, and its etcd starts into the
// existing cluster. Once the node has a member (joined now, or found in its data at boot), it
// asks for the member's promotion until the member votes: etcd promotes a learner only once it
// has caught up with the leader. A node that bootstrapped its own cluster has nothing to do.
func (n *daemon) etcdMembership(ctx context.Context) {
	var last string
	for ctx.Err() == nil {
		done, err := n.etcdMembershipStep(ctx)
		if done {
			return
		}
		if msg := errText(err); msg != last && ctx.Err() == nil {
			last = msg
			if err != nil {
				n.log.Info("etcd membership: not yet", "error", err)
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(etcdJoinEvery):
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// errNoMemberYet: nothing to do yet (no configuration, not a control plane, keys not written).
var errNoMemberYet = errors.New("waiting")

// etcdMembershipStep makes one attempt; done says there is nothing left to do on this boot.
func (n *daemon) etcdMembershipStep(ctx context.Context) (done bool, err error) {
	cfg := n.config()
	if cfg == nil || cfg.Machine.Type != config.TypeControlPlane {
		return false, nil
	}
	ip, err := nodeAddress()
	if err != nil {
		return false, err
	}
	peerURL := "https://" + netip.AddrPortFrom(ip, 2380).String()
	b, err := safe.StateGetByID[*resources.Bootstrap](ctx, n.st, resources.BootstrapID)
	switch {
	case err == nil && (b.TypedSpec().Source == resources.BootstrapAPI || b.TypedSpec().Source == resources.BootstrapRecover):
		return true, nil // a cluster of its own: its one member votes
	case err == nil:
		return n.promoteEtcdMember(ctx, cfg, ip, peerURL, b.TypedSpec())
	case !state.IsNotFoundError(err):
		return false, err
	}
	return false, n.joinEtcd(ctx, cfg, ip, peerURL)
}

// joinEtcd adds this node's member to the cluster whose etcd answers, if any does.
func (n *daemon) joinEtcd(ctx context.Context, cfg *config.Config, ip netip.Addr, peerURL string) error {
	if _, err := os.Stat(filepath.Join(kubeservice.EtcdDataDir, "member")); err == nil {
		return nil // startKube bootstraps a node holding data
	}
	if _, left := etcdLeft(kubeservice.EtcdDataDir); left {
		return fmt.Errorf("%w: reset the node before it joins again", errEtcdLeft)
	}
	if _, err := os.Stat(filepath.Join(kubeservice.EtcdPKIDir, "healthcheck-client.crt")); err != nil {
		return fmt.Errorf("%w: etcd's client certificate is not written yet", errNoMemberYet)
	}
	endpoints := etcdCandidates(ctx, cfg, ip, "", false)
	if len(endpoints) == 0 {
		return fmt.Errorf("%w: no other control plane known (the endpoint %s is this node)", errNoMemberYet, cfg.Cluster.ControlPlane.Endpoint)
	}
	h, err := safe.StateGetByID[*resources.Hostname](ctx, n.st, resources.HostnameID)
	if err != nil {
		return fmt.Errorf("host name: %w", err)
	}
	name := h.TypedSpec().Hostname
	// kubeMu: a Bootstrap call and a join exclude each other.
	n.kubeMu.Lock()
	defer n.kubeMu.Unlock()
	if _, err := n.st.Get(ctx, resources.NewBootstrap().Metadata()); err == nil {
		return nil
	}
	jctx, cancel := context.WithTimeout(ctx, etcdJoinTimeout)
	defer cancel()
	j, via, err := etcdops.JoinThrough(jctx, kubeservice.EtcdPKIDir, endpoints, name, peerURL)
	if err != nil {
		return fmt.Errorf("join the cluster's etcd (tried %s): %w", strings.Join(endpoints, ", "), err)
	}
	b := resources.NewBootstrap()
	*b.TypedSpec() = resources.BootstrapSpec{Source: resources.BootstrapJoin, InitialCluster: j.InitialCluster, JoinedThrough: via}
	if err := n.st.Create(ctx, b); err != nil {
		return fmt.Errorf("record the join: %w", err)
	}
	n.log.Info("etcd member added to the cluster as a learner", "member", j.Member.IDString(), "name", name, "through", via, "initialCluster", j.InitialCluster)
	n.events.publish(KindLifecycle, "etcd join: member "+j.Member.IDString()+" added as a learner through "+via+"; starting etcd and the control plane")
	return nil
}

// promoteEtcdMember asks for this node's member to vote once its etcd runs.
func (n *daemon) promoteEtcdMember(ctx context.Context, cfg *config.Config, ip netip.Addr, peerURL string, b *resources.BootstrapSpec) (bool, error) {
	if st, _ := n.serviceState(kubeservice.Etcd); st != supervisor.StateRunning {
		return false, fmt.Errorf("%w: etcd is not running", errNoMemberYet)
	}
	endpoints := etcdCandidates(ctx, cfg, ip, b.InitialCluster, true)
	pctx, cancel := context.WithTimeout(ctx, etcdPromoteTimeout)
	defer cancel()
	ok, err := etcdops.PromoteSelf(pctx, kubeservice.EtcdPKIDir, endpoints, peerURL)
	switch {
	case ok:
		n.log.Info("etcd member votes", "peerURL", peerURL)
		if b.Source == resources.BootstrapJoin {
			n.events.publish(KindLifecycle, "etcd join: this node's member is a voting member")
		}
		return true, nil
	case errors.Is(err, etcdops.ErrNotFound):
		n.log.Error("etcd: this node's member is not in the cluster any more (removed by another node?); reset the node to join again", "error", err)
		return true, err
	}
	return false, err
}

// etcdCandidates lists the client URLs where the cluster's etcd members may answer, this
// node's own first when withLocal: the members of initial (a join's initial cluster), the
// control-plane endpoint's host, and every apiserver the cluster's "kubernetes" service lists
// (each runs beside a member). This node's address is left out otherwise.
func etcdCandidates(ctx context.Context, cfg *config.Config, self netip.Addr, initial string, withLocal bool) []string {
	var out []string
	add := func(host string) {
		if a, err := netip.ParseAddr(host); err == nil && (a == self || a.IsLoopback() || a.IsUnspecified()) {
			return
		}
		if host == "" {
			return
		}
		if u := "https://" + net.JoinHostPort(host, "2379"); !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	if withLocal {
		out = append(out, "https://127.0.0.1:2379")
	}
	for _, m := range strings.Split(initial, ",") {
		_, peer, _ := strings.Cut(m, "=")
		if u, err := url.Parse(peer); err == nil {
			add(u.Hostname())
		}
	}
	if u, err := url.Parse(cfg.Cluster.ControlPlane.Endpoint); err == nil {
		add(u.Hostname())
	}
	for _, a := range apiServers(ctx, kubepki.AdminConf) {
		add(a.Addr().String())
	}
	return out
}
