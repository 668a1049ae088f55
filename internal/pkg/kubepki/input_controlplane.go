package kubepki

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// dnsNameRE matches a DNS name of lowercase labels.
var dnsNameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)

// parseControlPlane checks what only a control plane needs.
func (p *parsed) parseControlPlane() []error {
	in := p.in
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if _, err := netip.ParseAddr(in.Hostname); err == nil || !isHost(in.Hostname) {
		add(fmt.Errorf("hostname %q: not a DNS name", p.given.Hostname))
	}
	if !dnsNameRE.MatchString(in.DNSDomain) {
		add(fmt.Errorf("dns domain %q: not a DNS name", in.DNSDomain))
	}
	for i, a := range in.NodeIPs {
		if !a.IsValid() || a.Zone() != "" {
			add(fmt.Errorf("node IPs[%d] %q: not an IP address", i, a))
		}
	}
	add(p.parseServiceSubnets())
	add(checkSANs(in.CertSANs, p.given.CertSANs))
	add(p.parseLocalPort())
	var err error
	p.etcdCA, err = parseCA("etcd CA", in.EtcdCA)
	add(err)
	p.frontCA, err = parseCA("front-proxy CA", in.FrontProxyCA)
	add(err)
	if p.saKey, err = pki.ParsePrivateKey(in.ServiceAccountKey); err != nil {
		add(fmt.Errorf("service-account key: %w", err))
	}
	return errs
}

// parseServiceSubnets records the first address of each service CIDR: the apiserver's
// kubernetes.default Service gets it.
func (p *parsed) parseServiceSubnets() error {
	if len(p.in.ServiceSubnets) == 0 {
		return errors.New("service subnets: none given")
	}
	var errs []error
	for i, s := range p.in.ServiceSubnets {
		prefix, err := netip.ParsePrefix(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("service subnets[%d] %q: not a CIDR", i, s))
			continue
		}
		first := prefix.Masked().Addr().Next()
		if !first.IsValid() || !prefix.Contains(first) {
			errs = append(errs, fmt.Errorf("service subnets[%d] %q: too small for a service address", i, s))
			continue
		}
		p.serviceIPs = append(p.serviceIPs, first)
	}
	return errors.Join(errs...)
}

// checkSANs checks that each extra apiserver SAN is an IP address or a DNS name.
func checkSANs(sans, given []string) error {
	var errs []error
	for i, s := range sans {
		if !isHost(s) {
			errs = append(errs, fmt.Errorf("apiserver cert SANs[%d] %q: not an IP address or DNS name", i, given[i]))
		}
	}
	return errors.Join(errs...)
}

// parseLocalPort sets the URL of this node's own apiserver.
func (p *parsed) parseLocalPort() error {
	port := p.in.LocalAPIPort
	if port == 0 {
		port = DefaultLocalAPIPort
	}
	if port < 1 || port > 65535 {
		return fmt.Errorf("local API port %d: not in 1-65535", port)
	}
	p.local = "https://127.0.0.1:" + strconv.Itoa(port)
	return nil
}
