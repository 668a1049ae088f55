package netconf

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// SyncRoutes makes the main table's routes of protocol proto exactly want, through h (nil: the
// namespace of the calling thread): it adds or replaces each wanted route and deletes the
// others of proto, leaving every route of another protocol alone. It goes on past a route it
// cannot program (its gateway not on a connected network, say) and reports each such route.
func SyncRoutes(h *netlink.Handle, proto int, want []Route) error {
	if h == nil {
		h = &netlink.Handle{}
	}
	have, err := h.RouteListFiltered(netlink.FAMILY_ALL,
		&netlink.Route{Table: unix.RT_TABLE_MAIN, Protocol: netlink.RouteProtocol(proto)},
		netlink.RT_FILTER_TABLE|netlink.RT_FILTER_PROTOCOL)
	if err != nil {
		return fmt.Errorf("list routes of protocol %d: %w", proto, err)
	}
	var errs []error
	for _, r := range have {
		if !slices.Contains(want, fromNetlink(r)) {
			if err := h.RouteDel(&r); err != nil && !errors.Is(err, unix.ESRCH) {
				errs = append(errs, fmt.Errorf("delete route %s: %w", fromNetlink(r), err))
			}
		}
	}
	for _, r := range want {
		if err := h.RouteReplace(toNetlink(r, proto)); err != nil {
			errs = append(errs, fmt.Errorf("route %s: %w", r, err))
		}
	}
	return errors.Join(errs...)
}

func toNetlink(r Route, proto int) *netlink.Route {
	return &netlink.Route{
		Dst:      &net.IPNet{IP: r.Dst.Addr().AsSlice(), Mask: net.CIDRMask(r.Dst.Bits(), r.Dst.Addr().BitLen())},
		Gw:       r.Via.AsSlice(),
		Protocol: netlink.RouteProtocol(proto),
		Table:    unix.RT_TABLE_MAIN,
		Scope:    netlink.SCOPE_UNIVERSE,
	}
}

// fromNetlink returns r as a Route (zero fields for what it lacks).
func fromNetlink(r netlink.Route) Route {
	var out Route
	if r.Dst != nil {
		if a, ok := netip.AddrFromSlice(r.Dst.IP); ok {
			ones, _ := r.Dst.Mask.Size()
			out.Dst = netip.PrefixFrom(a.Unmap(), ones)
		}
	}
	if a, ok := netip.AddrFromSlice(r.Gw); ok {
		out.Via = a.Unmap()
	}
	return out
}
