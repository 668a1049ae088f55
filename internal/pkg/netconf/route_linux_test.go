package netconf

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"github.com/cairn-os/cairn/internal/provision/qemu/netnstest"
)

// testHandle returns a netlink handle in a new network namespace holding a bridge with
// 10.9.0.1/24 and fd00:9::1/64, the nodes' network.
func testHandle(t *testing.T) *netlink.Handle {
	t.Helper()
	name := fmt.Sprintf("cairn-netconf-routes-%d", os.Getpid())
	netnstest.Make(t, name)
	ns, err := netns.GetFromName(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ns.Close() })
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: "br0"}}
	if err := h.LinkAdd(br); err != nil {
		t.Fatalf("add bridge: %v", err)
	}
	if err := h.LinkSetUp(br); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"10.9.0.1/24", "fd00:9::1/64"} {
		addr, _ := netlink.ParseAddr(a)
		addr.Flags = 0x80 // IFA_F_NODAD: no duplicate address detection in a test namespace
		if err := h.AddrAdd(br, addr); err != nil {
			t.Fatalf("add %s: %v", a, err)
		}
	}
	return h
}

// routes returns "DST via GW proto N" for each main-table route with a gateway.
func routes(t *testing.T, h *netlink.Handle) []string {
	t.Helper()
	rs, err := h.RouteList(nil, netlink.FAMILY_ALL)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rs {
		if r.Gw != nil {
			out = append(out, fromNetlink(r).String()+" proto "+r.Protocol.String())
		}
	}
	slices.Sort(out)
	return out
}

func parseRoutes(s ...string) []Route {
	var out []Route
	for _, x := range s {
		dst, via, _ := strings.Cut(x, " via ")
		out = append(out, Route{Dst: netip.MustParsePrefix(dst), Via: netip.MustParseAddr(via)})
	}
	return out
}

func TestSyncRoutes(t *testing.T) {
	h := testHandle(t)
	foreign := &netlink.Route{Dst: &net.IPNet{IP: net.IP{10, 250, 0, 0}, Mask: net.CIDRMask(24, 32)}, Gw: net.IP{10, 9, 0, 4}, Protocol: netlink.RouteProtocol(4)}
	if err := h.RouteAdd(foreign); err != nil {
		t.Fatal(err)
	}
	if err := SyncRoutes(h, PodRouteProtocol, parseRoutes("10.244.1.0/24 via 10.9.0.2", "10.244.2.0/24 via 10.9.0.3", "fd00:244:1::/64 via fd00:9::2")); err != nil {
		t.Fatalf("SyncRoutes: %v", err)
	}
	want := []string{"10.244.1.0/24 via 10.9.0.2 proto 202", "10.244.2.0/24 via 10.9.0.3 proto 202", "10.250.0.0/24 via 10.9.0.4 proto static", "fd00:244:1::/64 via fd00:9::2 proto 202"}
	if got := routes(t, h); !slices.Equal(got, want) {
		t.Errorf("routes = %q, want %q", got, want)
	}
	// A node left, another changed its address, one is unreachable: the rest is programmed.
	err := SyncRoutes(h, PodRouteProtocol, parseRoutes("10.244.2.0/24 via 10.9.0.5", "10.244.3.0/24 via 192.0.2.1"))
	if err == nil || !strings.Contains(err.Error(), "route 10.244.3.0/24 via 192.0.2.1:") {
		t.Errorf("SyncRoutes with an unreachable gateway = %v, want an error naming that route", err)
	}
	want = []string{"10.244.2.0/24 via 10.9.0.5 proto 202", "10.250.0.0/24 via 10.9.0.4 proto static"}
	if got := routes(t, h); !slices.Equal(got, want) {
		t.Errorf("routes = %q, want %q", got, want)
	}
	if err := SyncRoutes(h, PodRouteProtocol, nil); err != nil {
		t.Fatalf("SyncRoutes(nil): %v", err)
	}
	if got, want := routes(t, h), []string{"10.250.0.0/24 via 10.9.0.4 proto static"}; !slices.Equal(got, want) {
		t.Errorf("routes after removing all = %q, want %q", got, want)
	}
}
