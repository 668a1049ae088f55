package config

import (
	"fmt"
	"net/netip"
	"strings"
)

func validateNetwork(v *validator, n *NetworkConfig) {
	if n.Hostname != "" && !isDNSName(n.Hostname) {
		v.add("machine.network.hostname", n.Hostname, "is not a valid host name")
	}
	seen := map[string]string{}
	for i := range n.Interfaces {
		path := fmt.Sprintf("machine.network.interfaces[%d]", i)
		validateInterface(v, path, &n.Interfaces[i])
		validateUniqueLink(v, path, &n.Interfaces[i], seen)
	}
	for i, ns := range n.Nameservers {
		if !isIP(ns) {
			v.add(fmt.Sprintf("machine.network.nameservers[%d]", i), ns, "is not a valid IP address")
		}
	}
}

func validateInterface(v *validator, path string, in *InterfaceConfig) {
	switch {
	case in.Name == "" && in.HardwareAddress == "":
		v.add(path, "", "must set name or hardwareAddress")
	case in.Name != "" && in.HardwareAddress != "":
		v.add(path+".name", in.Name, "must not be set together with hardwareAddress")
	case in.Name != "" && !isInterfaceName(in.Name):
		v.add(path+".name", in.Name, "is not a valid interface name")
	case in.HardwareAddress != "" && !isMAC(in.HardwareAddress):
		v.add(path+".hardwareAddress", in.HardwareAddress, "is not a valid MAC address")
	}
	validateLink(v, path, in.Addresses, in.Routes, in.MTU)
	seen := map[int]int{}
	for j, vlan := range in.VLANs {
		vpath := fmt.Sprintf("%s.vlans[%d]", path, j)
		switch first, dup := seen[vlan.ID]; {
		case vlan.ID < 1 || vlan.ID > 4094:
			v.add(vpath+".id", fmt.Sprint(vlan.ID), "must be between 1 and 4094")
		case dup:
			v.add(vpath+".id", fmt.Sprint(vlan.ID), fmt.Sprintf("duplicates %s.vlans[%d].id", path, first))
		default:
			seen[vlan.ID] = j
		}
		validateLink(v, vpath, vlan.Addresses, vlan.Routes, vlan.MTU)
	}
}

// validateUniqueLink checks that no two interfaces select the same link.
func validateUniqueLink(v *validator, path string, in *InterfaceConfig, seen map[string]string) {
	field, key := "name", in.Name
	if key == "" {
		field, key = "hardwareAddress", strings.ToLower(in.HardwareAddress)
	}
	if key == "" {
		return
	}
	if first, ok := seen[field+"="+key]; ok {
		v.add(path+"."+field, key, "duplicates "+first+"."+field)
		return
	}
	seen[field+"="+key] = path
}

// validateLink checks the addresses, routes and MTU of an interface or VLAN.
func validateLink(v *validator, path string, addrs []string, routes []RouteConfig, mtu int) {
	for i, a := range addrs {
		if _, err := netip.ParsePrefix(a); err != nil {
			v.add(fmt.Sprintf("%s.addresses[%d]", path, i), a, "is not a valid CIDR")
		}
	}
	for i, r := range routes {
		validateRoute(v, fmt.Sprintf("%s.routes[%d]", path, i), r)
	}
	if mtu != 0 && (mtu < 68 || mtu > 65535) {
		v.add(path+".mtu", fmt.Sprint(mtu), "must be 0 or between 68 and 65535")
	}
}

func validateRoute(v *validator, path string, r RouteConfig) {
	network, ok := validateSubnet(v, path+".network", r.Network)
	if r.Network == "" {
		v.add(path+".network", r.Network, "is required")
	}
	if r.Gateway == "" {
		return
	}
	gw, err := netip.ParseAddr(r.Gateway)
	switch {
	case err != nil:
		v.add(path+".gateway", r.Gateway, "is not a valid IP address")
	case ok && gw.Is4() != network.Addr().Is4():
		v.add(path+".gateway", r.Gateway, "is not of the same address family as network")
	}
}

// validateSubnet checks that s is a CIDR network address (no host bits set) and returns it.
// An empty s is not checked.
func validateSubnet(v *validator, path, s string) (netip.Prefix, bool) {
	if s == "" {
		return netip.Prefix{}, false
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		v.add(path, s, "is not a valid CIDR")
		return p, false
	}
	if p.Masked() != p {
		v.add(path, s, fmt.Sprintf("is not a network address (want %s)", p.Masked()))
	}
	return p.Masked(), true
}
