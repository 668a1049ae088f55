package netconf

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// RouteProtocol marks the routes Cairn programs for pod networks (a number of its own, as
// routing daemons use: ReplaceRoutes never touches another's routes).
const RouteProtocol = 0x43 // 'C'

// ReplaceRoutes makes the routes marked RouteProtocol in the main table exactly want: it
// adds or updates each (through the gateway's directly connected link) and deletes the rest.
// A route it cannot program (its gateway on no connected network, say) does not stop the
// others, nor the deletion of stale ones: the error names each such route.
func ReplaceRoutes(want []Route) error {
	have, err := netlink.RouteListFiltered(netlink.FAMILY_ALL, &netlink.Route{Protocol: RouteProtocol, Table: unix.RT_TABLE_MAIN},
		netlink.RT_FILTER_PROTOCOL|netlink.RT_FILTER_TABLE)
	if err != nil {
		return fmt.Errorf("list routes: %w", err)
	}
	var errs []error
	keep := map[netip.Prefix]bool{}
	for _, r := range want {
		nr := &netlink.Route{Dst: prefixNet(r.Dst), Gw: r.Via.AsSlice(), Protocol: RouteProtocol, Scope: unix.RT_SCOPE_UNIVERSE}
		if err := netlink.RouteReplace(nr); err != nil {
			errs = append(errs, fmt.Errorf("route %s: %w", r, err))
			continue
		}
		keep[r.Dst.Masked()] = true
	}
	for _, h := range have {
		if h.Dst == nil {
			continue
		}
		p, ok := netip.AddrFromSlice(h.Dst.IP)
		ones, _ := h.Dst.Mask.Size()
		if ok && keep[netip.PrefixFrom(p.Unmap(), ones).Masked()] {
			continue
		}
		if err := netlink.RouteDel(&h); err != nil {
			errs = append(errs, fmt.Errorf("delete stale route %s: %w", h.Dst, err))
		}
	}
	return errors.Join(errs...)
}

func prefixNet(p netip.Prefix) *net.IPNet {
	p = p.Masked()
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}
