package pki

import (
	"crypto/x509"
	"fmt"
	"net"
	"slices"
	"strings"
)

// The organizational units that say which kind of node a node server certificate belongs to.
// Only a node holding the OS CA key issues itself a ControlPlaneUnit certificate; a certificate
// bought with the join token is always a WorkerUnit one. A configuration holding CA keys goes
// only to a node whose certificate is a ControlPlaneUnit one.
const (
	ControlPlaneUnit = "cairn:control-plane"
	WorkerUnit       = "cairn:worker"
)

// IsControlPlane reports whether a node's server certificate marks a control-plane node.
func IsControlPlane(c *x509.Certificate) bool {
	return slices.Contains(c.Subject.OrganizationalUnit, ControlPlaneUnit) &&
		!slices.Contains(c.Subject.OrganizationalUnit, WorkerUnit)
}

// JoinLoopbacks are the IP addresses a joining node may name besides its own address: they
// only ever reach the machine that dials them, so they let no one pass for another node.
var JoinLoopbacks = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}

// JoinRequest turns the CSR of a node joining with the join token into the worker certificate
// to issue, bound to what the node can prove: source, the address its request came from. Its
// common name must be a host name; its DNS names may only be that name and "localhost"; its IP
// addresses only source and JoinLoopbacks. Anything else in the CSR (organizations, URIs) is
// not copied. The errors name the offending field and value.
func JoinRequest(csr *x509.CertificateRequest, source net.IP) (Request, error) {
	cn := csr.Subject.CommonName
	if !isHostname(cn) {
		return Request{}, fmt.Errorf("%w: common name %q is not a host name", ErrInvalidRequest, cn)
	}
	for _, d := range csr.DNSNames {
		if d != cn && d != "localhost" {
			return Request{}, fmt.Errorf("%w: DNS name %q: a joining node may name only itself (%q) and localhost", ErrInvalidRequest, d, cn)
		}
	}
	if source == nil || source.IsUnspecified() {
		return Request{}, fmt.Errorf("%w: the request's source address is unknown", ErrInvalidRequest)
	}
	for _, ip := range csr.IPAddresses {
		if !ip.Equal(source) && !slices.ContainsFunc(JoinLoopbacks, ip.Equal) {
			return Request{}, fmt.Errorf("%w: IP address %s: a joining node may name only the address it connects from (%s) and loopback", ErrInvalidRequest, ip, source)
		}
	}
	return Request{
		CommonName: cn, OrganizationalUnit: []string{WorkerUnit},
		DNSNames: csr.DNSNames, IPAddresses: csr.IPAddresses, Usage: ServerAuth,
	}, nil
}

// isHostname reports whether s is a DNS host name: dot-separated labels of letters, digits and
// inner hyphens, each 1-63 characters, 253 in all.
func isHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		if strings.ContainsFunc(label, notHostChar) {
			return false
		}
	}
	return true
}

// notHostChar reports whether r is not a letter, digit or hyphen (ASCII).
func notHostChar(r rune) bool {
	return (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '-'
}
