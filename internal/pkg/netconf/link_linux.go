package netconf

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// LoopbackUp brings lo up.
func LoopbackUp() error {
	lo, err := netlink.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("link lo: %w", err)
	}
	return netlink.LinkSetUp(lo)
}

// WaitEthernet waits until at least one ethernet link exists (drivers probe asynchronously
// after their module loads) and returns the ethernet links by name.
func WaitEthernet(ctx context.Context, timeout time.Duration) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		links, err := netlink.LinkList()
		if err != nil {
			return nil, fmt.Errorf("list links: %w", err)
		}
		var names []string
		for _, l := range links {
			a := l.Attrs()
			if l.Type() == "device" && a.EncapType == "ether" && len(a.HardwareAddr) == 6 {
				names = append(names, a.Name)
			}
		}
		if len(names) > 0 {
			return names, nil
		}
		select {
		case <-ctx.Done():
			return nil, errors.New("no ethernet link appeared")
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// HardwareAddr returns the MAC address of a link.
func HardwareAddr(name string) (net.HardwareAddr, error) {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return nil, fmt.Errorf("link %s: %w", name, err)
	}
	return l.Attrs().HardwareAddr, nil
}

// Apply brings the link up, sets its address and, when there is one, the default route.
func Apply(s *Settings) error {
	l, err := netlink.LinkByName(s.Link)
	if err != nil {
		return fmt.Errorf("link %s: %w", s.Link, err)
	}
	if err := netlink.LinkSetUp(l); err != nil {
		return fmt.Errorf("link %s up: %w", s.Link, err)
	}
	addr := &netlink.Addr{IPNet: &net.IPNet{IP: s.Address.Addr().AsSlice(), Mask: net.CIDRMask(s.Address.Bits(), 32)}}
	if s.LeaseTime > 0 {
		addr.ValidLft, addr.PreferedLft = int(s.LeaseTime.Seconds()), int(s.LeaseTime.Seconds())
	}
	if err := netlink.AddrReplace(l, addr); err != nil {
		return fmt.Errorf("address %s on %s: %w", s.Address, s.Link, err)
	}
	if !s.Gateway.IsValid() {
		return nil
	}
	route := &netlink.Route{LinkIndex: l.Attrs().Index, Gw: s.Gateway.AsSlice(), Dst: nil, Scope: unix.RT_SCOPE_UNIVERSE}
	if err := netlink.RouteReplace(route); err != nil {
		return fmt.Errorf("default route via %s on %s: %w", s.Gateway, s.Link, err)
	}
	return nil
}

// Addresses lists the global unicast addresses of every link but lo.
func Addresses() ([]netip.Prefix, error) {
	addrs, err := netlink.AddrList(nil, netlink.FAMILY_ALL)
	if err != nil {
		return nil, fmt.Errorf("list addresses: %w", err)
	}
	var out []netip.Prefix
	for _, a := range addrs {
		ip, ok := netip.AddrFromSlice(a.IP)
		if !ok || !ip.Unmap().IsGlobalUnicast() {
			continue
		}
		ones, _ := a.Mask.Size()
		out = append(out, netip.PrefixFrom(ip.Unmap(), ones))
	}
	return out, nil
}
