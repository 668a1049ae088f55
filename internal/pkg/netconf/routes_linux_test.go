package netconf

import (
	"net"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// inNewNetns runs fn on a thread moved to a new network namespace of its own, which the
// kernel removes with the thread (never unlocked, so the runtime discards it).
func inNewNetns(t *testing.T, fn func() error) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("this test creates a network namespace: run it as root")
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			errc <- err
			return
		}
		errc <- fn()
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

func ourRoutes() ([]string, error) {
	rs, err := netlink.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
	var out []string
	for _, r := range rs {
		if r.Dst != nil && r.Gw != nil {
			out = append(out, r.Dst.String()+" via "+r.Gw.String()+" proto "+map[bool]string{true: "cairn", false: "other"}[r.Protocol == RouteProtocol])
		}
	}
	slices.Sort(out)
	return out, err
}

// TestReplaceRoutes programs pod routes in a namespace of its own: routes are added, replaced
// when the set changes, stale ones deleted, and a route of another protocol left alone.
func TestReplaceRoutes(t *testing.T) {
	inNewNetns(t, func() error {
		d := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "veth0"}, PeerName: "veth1"}
		if err := netlink.LinkAdd(d); err != nil {
			return err
		}
		peer, err := netlink.LinkByName("veth1")
		if err != nil {
			return err
		}
		if err := netlink.LinkSetUp(peer); err != nil {
			return err
		}
		if err := netlink.AddrAdd(d, &netlink.Addr{IPNet: &net.IPNet{IP: net.IPv4(192, 0, 2, 1), Mask: net.CIDRMask(24, 32)}}); err != nil {
			return err
		}
		if err := netlink.LinkSetUp(d); err != nil {
			return err
		}
		other := &netlink.Route{Dst: prefixNet(netip.MustParsePrefix("198.51.100.0/24")), Gw: net.IPv4(192, 0, 2, 9)}
		if err := netlink.RouteAdd(other); err != nil {
			return err
		}
		r := func(dst, via string) Route {
			return Route{Dst: netip.MustParsePrefix(dst), Via: netip.MustParseAddr(via)}
		}
		steps := []struct {
			want []Route
			got  []string
		}{
			{[]Route{r("10.244.1.0/24", "192.0.2.2"), r("10.244.2.0/24", "192.0.2.3")},
				[]string{"10.244.1.0/24 via 192.0.2.2 proto cairn", "10.244.2.0/24 via 192.0.2.3 proto cairn", "198.51.100.0/24 via 192.0.2.9 proto other"}},
			{[]Route{r("10.244.2.0/24", "192.0.2.4")},
				[]string{"10.244.2.0/24 via 192.0.2.4 proto cairn", "198.51.100.0/24 via 192.0.2.9 proto other"}},
			// A gateway on no connected network: the error names it, the rest is done.
			{[]Route{r("10.244.3.0/24", "203.0.113.7"), r("10.244.4.0/24", "192.0.2.5")},
				[]string{"10.244.4.0/24 via 192.0.2.5 proto cairn", "198.51.100.0/24 via 192.0.2.9 proto other"}},
			{nil, []string{"198.51.100.0/24 via 192.0.2.9 proto other"}},
		}
		for i, s := range steps {
			err := ReplaceRoutes(s.want)
			if i == 2 && (err == nil || !strings.Contains(err.Error(), "route 10.244.3.0/24 via 203.0.113.7: ")) {
				t.Errorf("step %d: ReplaceRoutes = %v, want an error naming the unreachable route", i, err)
			} else if i != 2 && err != nil {
				t.Errorf("step %d: %v", i, err)
			}
			got, err := ourRoutes()
			if err != nil || !slices.Equal(got, s.got) {
				t.Errorf("step %d: routes %q (%v), want %q", i, got, err, s.got)
			}
		}
		return nil
	})
}
