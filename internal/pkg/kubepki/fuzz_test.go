package kubepki

import (
	"net/netip"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary endpoints, service CIDRs, SANs and host names to the input checks:
// they never panic, and what they accept is well formed.
func FuzzParse(f *testing.F) {
	f.Add("https://cp.example.org:6443", "10.96.0.0/12", "k8s.example.org", "cp-1")
	f.Add("https://[2001:db8::1]:6443/", "fd00::/108", "2001:db8::2", "a")
	f.Add("http://x:1", "10.0.0.1/32", "bad name", "")
	f.Add("https://u@h:0?q#f", "::/0", "", "-")
	c := newCluster(f)
	f.Fuzz(func(t *testing.T, endpoint, subnet, san, hostname string) {
		in := c.cpIn
		in.Endpoint, in.ServiceSubnets, in.CertSANs, in.Hostname = endpoint, []string{subnet}, []string{san}, hostname
		p, err := parse(in)
		if err != nil {
			return
		}
		if !strings.HasPrefix(p.endpoint, "https://") || p.endHost == "" {
			t.Errorf("parse(%q) accepted endpoint %q host %q", endpoint, p.endpoint, p.endHost)
		}
		prefix := netip.MustParsePrefix(subnet)
		if len(p.serviceIPs) != 1 || !prefix.Contains(p.serviceIPs[0]) {
			t.Errorf("parse(%q) service IPs %v", subnet, p.serviceIPs)
		}
		names, ips := p.apiServerSANs()
		if len(names) == 0 || len(ips) < 2 {
			t.Errorf("apiServerSANs() = %v, %v", names, ips)
		}
	})
}
