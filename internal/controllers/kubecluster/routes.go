package kubecluster

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/cairn-os/cairn/internal/pkg/kubeapi"
	"github.com/cairn-os/cairn/internal/pkg/netconf"
)

// resyncRoutes is how often the desired routes are applied again although nothing changed, so
// that a route removed behind machined's back comes back, and a failed apply is retried.
const resyncRoutes = time.Minute

// SyncPodRoutes watches the Nodes until ctx ends and, whenever the desired routes change (and
// every minute), calls apply with all of them: for every node but self, each of its pod CIDRs
// via its InternalIP of the same family. It returns ctx.Err().
func SyncPodRoutes(ctx context.Context, c *kubeapi.Client, self string, apply func([]netconf.Route) error, log *slog.Logger) error {
	log = log.With("component", "pod-routes")
	views := make(chan []netconf.Route, 1)
	var wg sync.WaitGroup
	defer wg.Wait() // the informer ends with ctx, as this function does
	wg.Go(func() {
		_ = c.Inform(ctx, "/api/v1/nodes", nil, log, func(v map[string]json.RawMessage) {
			routes := PodRoutes(v, self, log)
			replace(views, routes)
		})
	})
	return applyRoutes(ctx, views, apply, log)
}

// applyRoutes calls apply with each new set of views, unless it is the set last applied, and
// with the last set every resyncRoutes, until ctx ends.
func applyRoutes(ctx context.Context, views <-chan []netconf.Route, apply func([]netconf.Route) error, log *slog.Logger) error {
	var want, applied []netconf.Route
	have := false // whether a first view came
	tick := time.NewTicker(resyncRoutes)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case want = <-views:
			have = true
			if applied != nil && slices.Equal(want, applied) {
				continue
			}
		case <-tick.C:
		}
		if !have {
			continue
		}
		if err := apply(want); err != nil {
			log.Warn("apply pod routes", "error", err, "routes", len(want))
			applied = nil
			continue
		}
		applied = want
		log.Debug("pod routes applied", "routes", len(want))
	}
}

// PodRoutes returns the sorted routes to the pod CIDRs of every node in nodes but self.
func PodRoutes(nodes map[string]json.RawMessage, self string, log *slog.Logger) []netconf.Route {
	out := []netconf.Route{}
	for key, raw := range nodes {
		var n Node
		if err := json.Unmarshal(raw, &n); err != nil {
			log.Warn("node does not decode", "node", key, "error", err)
			continue
		}
		if n.Metadata.Name == self {
			continue
		}
		out = append(out, nodeRoutes(&n)...)
	}
	netconf.SortRoutes(out)
	return out
}

// nodeRoutes routes each pod CIDR of n via n's first InternalIP of the CIDR's family.
func nodeRoutes(n *Node) []netconf.Route {
	cidrs := n.Spec.PodCIDRs
	if len(cidrs) == 0 && n.Spec.PodCIDR != "" {
		cidrs = []string{n.Spec.PodCIDR}
	}
	var out []netconf.Route
	for _, s := range cidrs {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			continue
		}
		if via, ok := internalIP(n, p.Addr().Is4()); ok {
			out = append(out, netconf.Route{Dst: p.Masked(), Via: via})
		}
	}
	return out
}

func internalIP(n *Node, v4 bool) (netip.Addr, bool) {
	for _, a := range n.Status.Addresses {
		ip, err := netip.ParseAddr(a.Address)
		if a.Type == "InternalIP" && err == nil && ip.Unmap().Is4() == v4 {
			return ip.Unmap(), true
		}
	}
	return netip.Addr{}, false
}

// replace puts v in ch (of capacity 1), dropping an older value nobody took: a consumer wants
// only the newest view.
func replace[T any](ch chan T, v T) {
	select {
	case <-ch:
	default:
	}
	ch <- v
}
