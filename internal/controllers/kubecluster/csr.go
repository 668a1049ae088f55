package kubecluster

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// KubeletServingSigner is the signer of kubelet serving certificates.
const KubeletServingSigner = "kubernetes.io/kubelet-serving"

// decided reports whether the CSR is already approved, denied or failed.
func (c *CSR) decided() bool {
	return slices.ContainsFunc(c.Status.Conditions, func(x Condition) bool {
		return x.Type == "Approved" || x.Type == "Denied" || x.Type == "Failed"
	})
}

// nodeName returns NAME if the requester is system:node:NAME in group system:nodes.
func (c *CSR) nodeName() (string, error) {
	name, ok := strings.CutPrefix(c.Spec.Username, "system:node:")
	if !ok || name == "" {
		return "", fmt.Errorf("requester %q is not a node", c.Spec.Username)
	}
	if !slices.Contains(c.Spec.Groups, "system:nodes") {
		return "", fmt.Errorf("requester %q is not in group system:nodes", c.Spec.Username)
	}
	return name, nil
}

// servingUsages are the usages a kubelet asks for: key encipherment only with an RSA key.
var servingUsages = []string{"digital signature", "key encipherment", "server auth"}

// ServingDecision says whether a kubelet-serving CSR may be approved: the requester is the
// node system:node:NAME, the request is signed by its key, its subject is CN=system:node:NAME,
// O=system:nodes, it asks only for serving usages, and every DNS name and IP address in it is
// one of node's status.addresses. node is the Node named NAME (nil if there is none). The reason
// says what is wrong when it may not.
//
// The node writes its own status.addresses, so this proves only that a node asks for names it
// claims: it stops a node from asking for another node's or a service's name unless it claims
// that as its address, which the other node's monitoring would show.
func ServingDecision(c *CSR, node *Node) (bool, string) {
	if c.Spec.SignerName != KubeletServingSigner {
		return false, fmt.Sprintf("signer %q is not %s", c.Spec.SignerName, KubeletServingSigner)
	}
	name, err := c.nodeName()
	if err != nil {
		return false, err.Error()
	}
	req, err := parseRequest(c.Spec.Request)
	if err != nil {
		return false, err.Error()
	}
	if reason := checkSubject(req, c.Spec.Username); reason != "" {
		return false, reason
	}
	if reason := checkUsages(c.Spec.Usages); reason != "" {
		return false, reason
	}
	if node == nil || node.Metadata.Name != name {
		return false, fmt.Sprintf("node %q not found", name)
	}
	return checkNames(req, node)
}

func parseRequest(data []byte) (*x509.CertificateRequest, error) {
	block, rest := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE REQUEST" || len(strings.TrimSpace(string(rest))) > 0 {
		return nil, fmt.Errorf("request is not one PEM CERTIFICATE REQUEST")
	}
	req, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	if err := req.CheckSignature(); err != nil {
		return nil, fmt.Errorf("request signature: %w", err)
	}
	return req, nil
}

func checkSubject(req *x509.CertificateRequest, user string) string {
	s := req.Subject
	if s.CommonName != user || !slices.Equal(s.Organization, []string{"system:nodes"}) ||
		len(s.OrganizationalUnit)+len(s.Country)+len(s.Locality)+len(s.Province)+len(s.StreetAddress)+len(s.PostalCode) > 0 || s.SerialNumber != "" {
		return fmt.Sprintf("subject %q is not CN=%s,O=system:nodes", s.String(), user)
	}
	if len(req.EmailAddresses)+len(req.URIs) > 0 {
		return "request has e-mail or URI names"
	}
	return ""
}

func checkUsages(usages []string) string {
	if !slices.Contains(usages, "server auth") || !slices.Contains(usages, "digital signature") {
		return fmt.Sprintf("usages %q lack server auth or digital signature", usages)
	}
	for _, u := range usages {
		if !slices.Contains(servingUsages, u) {
			return fmt.Sprintf("usage %q is not a serving usage", u)
		}
	}
	return ""
}

// checkNames approves only names and addresses of the node's status.
func checkNames(req *x509.CertificateRequest, node *Node) (bool, string) {
	if len(req.DNSNames)+len(req.IPAddresses) == 0 {
		return false, "request names no DNS name or IP address"
	}
	var names []string
	var ips []netip.Addr
	for _, a := range node.Status.Addresses {
		switch a.Type {
		case "Hostname", "InternalDNS", "ExternalDNS":
			names = append(names, strings.ToLower(a.Address))
		case "InternalIP", "ExternalIP":
			if ip, err := netip.ParseAddr(a.Address); err == nil {
				ips = append(ips, ip.Unmap())
			}
		}
	}
	for _, d := range req.DNSNames {
		if !slices.Contains(names, strings.ToLower(d)) {
			return false, fmt.Sprintf("DNS name %q is not an address of node %q", d, node.Metadata.Name)
		}
	}
	for _, b := range req.IPAddresses {
		ip, _ := netip.AddrFromSlice(b)
		if !slices.Contains(ips, ip.Unmap()) {
			return false, fmt.Sprintf("IP address %s is not an address of node %q", ip.Unmap(), node.Metadata.Name)
		}
	}
	return true, ""
}
