package config

import (
	"fmt"
	"net/netip"
)

// nodeMaskIPv4 is the size of the pod range kube-controller-manager gives each node out of
// an IPv4 pod subnet (--node-cidr-mask-size-ipv4's default).
const nodeMaskIPv4 = 24

// subnet is a checked pod or service subnet and the path it came from.
type subnet struct {
	path, raw string
	prefix    netip.Prefix
}

func validateClusterNetwork(v *validator, n *ClusterNetworkConfig) {
	pods := validateSubnetList(v, "cluster.network.podSubnets", n.PodSubnets, validatePodSubnetSize)
	for _, svc := range validateSubnetList(v, "cluster.network.serviceSubnets", n.ServiceSubnets, validateServiceSubnetSize) {
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

// validateSubnetList checks a list of pod or service subnets: each a CIDR network address,
// and, since the node runs Kubernetes single-stack over IPv4 (its services use the first
// subnet, its pod routes are IPv4), an IPv4 one and only one; size checks each one that is.
// It returns the valid ones.
func validateSubnetList(v *validator, path string, list []string, size func(*validator, subnet)) []subnet {
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
		if !prefix.Addr().Is4() {
			v.add(p, s, "is not supported: the node runs Kubernetes over IPv4 only")
			continue
		}
		if clash := firstClash(out, prefix); clash != "" {
			v.add(p, s, clash)
			continue
		}
		out = append(out, subnet{p, s, prefix})
		size(v, out[len(out)-1])
	}
	return out
}

// firstClash says how prefix conflicts with an earlier subnet of its list, or "".
func firstClash(earlier []subnet, prefix netip.Prefix) string {
	for _, e := range earlier {
		switch {
		case e.prefix.Overlaps(prefix):
			return fmt.Sprintf("overlaps %s %q", e.path, e.prefix)
		default:
			return fmt.Sprintf("is a second range after %s: the node runs Kubernetes on one", e.path)
		}
	}
	return ""
}

// validatePodSubnetSize checks that kube-controller-manager can cut node ranges out of a pod
// subnet.
func validatePodSubnetSize(v *validator, pod subnet) {
	if pod.prefix.Bits() > nodeMaskIPv4 {
		v.add(pod.path, pod.raw, fmt.Sprintf("is smaller than the /%d each node gets: use /%d or shorter", nodeMaskIPv4, nodeMaskIPv4))
	}
}

// validateServiceSubnetSize checks that a service subnet holds the addresses the node takes
// from it: the first for the kubernetes Service, the tenth for cluster DNS.
func validateServiceSubnetSize(v *validator, svc subnet) {
	if longest := svc.prefix.Addr().BitLen() - 4; svc.prefix.Bits() > longest {
		v.add(svc.path, svc.raw, fmt.Sprintf("is too small: cluster DNS takes its tenth address (use /%d or larger)", longest))
	}
}
