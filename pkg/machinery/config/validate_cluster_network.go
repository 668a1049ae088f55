package config

import (
	"fmt"
	"net/netip"
)

// Node pod ranges: kube-controller-manager gives each node a /24 (IPv4) or /64 (IPv6) of the
// pod subnet (--node-cidr-mask-size-ipv4/-ipv6 defaults) and, for IPv6, allows at most 16 bits
// between the pod subnet and a node's range.
const (
	nodeMaskIPv4     = 24
	nodeMaskIPv6     = 64
	maxNodeBitsIPv6  = 16
	minPodPrefixIPv6 = nodeMaskIPv6 - maxNodeBitsIPv6
)

// subnet is a checked pod or service subnet and the path it came from.
type subnet struct {
	path, raw string
	prefix    netip.Prefix
}

func validateClusterNetwork(v *validator, n *ClusterNetworkConfig) {
	pods := validateSubnetList(v, "cluster.network.podSubnets", n.PodSubnets)
	for _, pod := range pods {
		validatePodSubnetSize(v, pod)
	}
	svcs := validateSubnetList(v, "cluster.network.serviceSubnets", n.ServiceSubnets)
	for _, svc := range svcs {
		validateServiceSubnetSize(v, svc)
		for _, pod := range pods {
			if svc.prefix.Overlaps(pod.prefix) {
				v.add(svc.path, svc.raw, fmt.Sprintf("overlaps %s %q", pod.path, pod.prefix))
			}
		}
	}
	if n.DNSDomain != "" && !isDNSName(n.DNSDomain) {
		v.add("cluster.network.dnsDomain", n.DNSDomain, "is not a valid DNS name")
	}
	switch n.CNI.Name {
	case "", "bridge", "none":
	case "flannel":
		v.add("cluster.network.cni.name", n.CNI.Name, "is not in this image: use bridge (routed across nodes by machined) or none")
	default:
		v.add("cluster.network.cni.name", n.CNI.Name, "must be bridge or none")
	}
}

// validateSubnetList checks a list of pod or service subnets as kube-apiserver and
// kube-controller-manager will: each a CIDR network address, at most one per address family
// (dual-stack is one IPv4 and one IPv6 range), none overlapping another; and, since Cairn's
// services and pod routes are single-stack, no second subnet at all. It returns the valid
// ones.
func validateSubnetList(v *validator, path string, list []string) []subnet {
	var out []subnet
	for i, s := range list {
		p := fmt.Sprintf("%s[%d]", path, i)
		prefix, ok := validateSubnet(v, p, s)
		if s == "" {
			v.add(p, s, "is not a valid CIDR")
		}
		if !ok {
			continue
		}
		if clash := firstClash(out, prefix); clash != "" {
			v.add(p, s, clash)
			continue
		}
		if len(out) > 0 {
			v.add(p, s, "is not supported: dual-stack is not implemented; the node runs Kubernetes on one subnet of each kind")
			continue
		}
		out = append(out, subnet{p, s, prefix})
	}
	return out
}

// firstClash says how prefix conflicts with an earlier subnet of its list, or "".
func firstClash(earlier []subnet, prefix netip.Prefix) string {
	for _, e := range earlier {
		switch {
		case e.prefix.Overlaps(prefix):
			return fmt.Sprintf("overlaps %s %q", e.path, e.prefix)
		case e.prefix.Addr().Is4() == prefix.Addr().Is4():
			return fmt.Sprintf("is a second %s range after %s: dual-stack allows one IPv4 and one IPv6 range", family(prefix), e.path)
		}
	}
	return ""
}

// validatePodSubnetSize checks that kube-controller-manager can cut node ranges out of a pod
// subnet.
func validatePodSubnetSize(v *validator, pod subnet) {
	bits := pod.prefix.Bits()
	switch {
	case pod.prefix.Addr().Is4() && bits > nodeMaskIPv4:
		v.add(pod.path, pod.raw, fmt.Sprintf("is smaller than the /%d each node gets: use /%d or shorter", nodeMaskIPv4, nodeMaskIPv4))
	case pod.prefix.Addr().Is6() && bits > nodeMaskIPv6:
		v.add(pod.path, pod.raw, fmt.Sprintf("is smaller than the /%d each node gets: use /%d to /%d", nodeMaskIPv6, minPodPrefixIPv6, nodeMaskIPv6))
	case pod.prefix.Addr().Is6() && bits < minPodPrefixIPv6:
		v.add(pod.path, pod.raw, fmt.Sprintf("is larger than kube-controller-manager allows for /%d node ranges: use /%d to /%d", nodeMaskIPv6, minPodPrefixIPv6, nodeMaskIPv6))
	}
}

// validateServiceSubnetSize checks that a service subnet holds the addresses the node takes
// from it: the first for the kubernetes Service, the tenth for cluster DNS.
func validateServiceSubnetSize(v *validator, svc subnet) {
	if max := svc.prefix.Addr().BitLen() - 4; svc.prefix.Bits() > max {
		v.add(svc.path, svc.raw, fmt.Sprintf("is too small: cluster DNS takes its tenth address (use /%d or larger)", max))
	}
}

func family(p netip.Prefix) string {
	if p.Addr().Is4() {
		return "IPv4"
	}
	return "IPv6"
}
