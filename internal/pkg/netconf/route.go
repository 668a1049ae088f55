package netconf

import (
	"cmp"
	"net/netip"
	"slices"
)

// Route is a route to a prefix through a gateway on a directly connected network.
type Route struct {
	Dst netip.Prefix
	Via netip.Addr
}

func (r Route) String() string { return r.Dst.String() + " via " + r.Via.String() }

// SortRoutes sorts routes by destination, then gateway, so that sets compare with slices.Equal.
func SortRoutes(rs []Route) {
	slices.SortFunc(rs, func(a, b Route) int {
		if c := a.Dst.Addr().Compare(b.Dst.Addr()); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Dst.Bits(), b.Dst.Bits()); c != 0 {
			return c
		}
		return a.Via.Compare(b.Via)
	})
}
