package kubecluster

import (
	"errors"
	"fmt"
	"math/big"
	"net/netip"
	"strings"

	"github.com/cairn-os/cairn/pkg/machinery/constants"
	"github.com/cairn-os/cairn/pkg/machinery/secrets"
)

// TokenGroup is the extra group of the bootstrap token's user, kubeadm's name for it.
const TokenGroup = "system:bootstrappers:kubeadm:default-node-token"

// dnsIndex is the index of the cluster DNS address in the first service subnet (kubeadm's).
const dnsIndex = 10

// ManifestInput is what the bootstrap manifests are rendered from.
type ManifestInput struct {
	// BootstrapToken is cluster.token, ID.SECRET.
	BootstrapToken string
	// ServiceSubnets are cluster.network.serviceSubnets; the DNS service's cluster IP is the
	// 10th address of the first.
	ServiceSubnets []string
	// DNSDomain is cluster.network.dnsDomain.
	DNSDomain string
	// Upstreams are the name servers CoreDNS forwards other names to; none: cluster names only.
	Upstreams []netip.Addr
	// CoreDNSImage is the CoreDNS image; empty means constants.CoreDNSImage.
	CoreDNSImage string
}

// values are what the templates see.
type values struct {
	TokenID, TokenSecret, TokenSecretName, TokenGroup string
	DNSDomain, DNSIP, Image                           string
	Upstreams                                         []string
}

func (in ManifestInput) values() (values, error) {
	v := values{TokenGroup: TokenGroup, DNSDomain: in.DNSDomain, Image: in.CoreDNSImage}
	if v.Image == "" {
		v.Image = constants.CoreDNSImage
	}
	var errs []error
	if err := secrets.ValidateToken(in.BootstrapToken); err != nil {
		errs = append(errs, fmt.Errorf("cluster.token: %w", err)) // never quote a secret
	} else {
		v.TokenID, v.TokenSecret, _ = strings.Cut(in.BootstrapToken, ".")
		v.TokenSecretName = "bootstrap-token-" + v.TokenID
	}
	ip, err := dnsIP(in.ServiceSubnets)
	errs = append(errs, err)
	v.DNSIP = ip.String()
	if !isDomain(in.DNSDomain) {
		errs = append(errs, fmt.Errorf("cluster.network.dnsDomain: %q is not a DNS domain", in.DNSDomain))
	}
	for i, u := range in.Upstreams {
		if !u.IsValid() {
			errs = append(errs, fmt.Errorf("upstreams[%d]: not an address", i))
		}
		v.Upstreams = append(v.Upstreams, u.String())
	}
	return v, errors.Join(errs...)
}

// dnsIP returns the 10th address of the first service subnet.
func dnsIP(subnets []string) (netip.Addr, error) {
	if len(subnets) == 0 {
		return netip.Addr{}, errors.New("cluster.network.serviceSubnets: empty")
	}
	p, err := netip.ParsePrefix(subnets[0])
	if err != nil {
		return netip.Addr{}, fmt.Errorf("cluster.network.serviceSubnets[0]: %q is not a CIDR", subnets[0])
	}
	p = p.Masked()
	n := new(big.Int).SetBytes(p.Addr().AsSlice())
	n.Add(n, big.NewInt(dnsIndex))
	b := n.FillBytes(make([]byte, len(p.Addr().AsSlice())))
	ip, _ := netip.AddrFromSlice(b)
	if !p.Contains(ip) {
		return netip.Addr{}, fmt.Errorf("cluster.network.serviceSubnets[0]: %q has no address %d for cluster DNS", subnets[0], dnsIndex)
	}
	return ip, nil
}

// isDomain reports whether s is a lowercase DNS domain of labels [a-z0-9-].
func isDomain(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' ||
			strings.Trim(l, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			return false
		}
	}
	return true
}
