// Package netconf configures network links: the kernel's ip= argument, DHCPv4 leases applied
// with netlink, and resolv.conf.
package netconf

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Settings is the configuration of one link, from DHCP or from ip=.
type Settings struct {
	Link      string // empty: the first ethernet link
	Address   netip.Prefix
	Gateway   netip.Addr
	DNS       []netip.Addr
	NTP       []netip.Addr
	Hostname  string
	LeaseTime time.Duration // zero for static settings
}

// ParseIP parses the kernel's ip= argument,
// ip=<client-ip>:<server-ip>:<gw-ip>:<netmask>:<hostname>:<device>:<autoconf>:<dns0>:<dns1>:<ntp0>.
// It returns nil (use DHCP) for "", "dhcp", "on" and "any", or when the autoconf field asks
// for DHCP.
func ParseIP(s string) (*Settings, error) {
	switch s {
	case "", "dhcp", "on", "any":
		return nil, nil
	}
	f := strings.Split(s, ":")
	if len(f) > 10 {
		return nil, fmt.Errorf("ip=%q: more than 10 fields", s)
	}
	for len(f) < 10 {
		f = append(f, "")
	}
	if f[6] == "dhcp" || f[6] == "on" || f[6] == "any" {
		return nil, nil
	}
	addr, err := netip.ParseAddr(f[0])
	if err != nil || !addr.Is4() {
		return nil, fmt.Errorf("ip=%q: client address %q is not an IPv4 address", s, f[0])
	}
	bits := 24
	if f[3] != "" {
		if bits, err = maskBits(f[3]); err != nil {
			return nil, fmt.Errorf("ip=%q: netmask %q: %w", s, f[3], err)
		}
	}
	st := &Settings{Address: netip.PrefixFrom(addr, bits), Hostname: f[4], Link: f[5]}
	if f[2] != "" {
		if st.Gateway, err = netip.ParseAddr(f[2]); err != nil || !st.Gateway.Is4() {
			return nil, fmt.Errorf("ip=%q: gateway %q is not an IPv4 address", s, f[2])
		}
	}
	for i, v := range f[7:] {
		if v == "" {
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, fmt.Errorf("ip=%q: field %d %q is not an address", s, 8+i, v)
		}
		if i < 2 {
			st.DNS = append(st.DNS, a)
		} else {
			st.NTP = append(st.NTP, a)
		}
	}
	return st, nil
}

// maskBits accepts a dotted netmask ("255.255.255.0") or a prefix length ("24").
func maskBits(s string) (int, error) {
	if a, err := netip.ParseAddr(s); err == nil && a.Is4() {
		b := a.As4()
		ones := 0
		v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		for v&0x80000000 != 0 {
			ones++
			v <<= 1
		}
		if v != 0 {
			return 0, fmt.Errorf("not a contiguous netmask")
		}
		return ones, nil
	}
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil || n < 0 || n > 32 || fmt.Sprint(n) != s {
		return 0, fmt.Errorf("not a netmask or prefix length")
	}
	return n, nil
}

// ResolvConf renders resolv.conf for the given name servers and search domains.
func ResolvConf(servers []netip.Addr, search []string) []byte {
	var b strings.Builder
	b.WriteString("# Written by machined.\n")
	for _, s := range servers {
		fmt.Fprintf(&b, "nameserver %s\n", s)
	}
	if len(search) > 0 {
		fmt.Fprintf(&b, "search %s\n", strings.Join(search, " "))
	}
	return []byte(b.String())
}
