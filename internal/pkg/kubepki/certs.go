package kubepki

import (
	"fmt"
	"net"
	"net/netip"
	"path"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// Subjects kubeadm gives its certificates (cmd/kubeadm/app/constants, Kubernetes 1.35).
const (
	APIServerCN           = "kube-apiserver"
	APIServerKubeletCN    = "kube-apiserver-kubelet-client"
	APIServerEtcdCN       = "kube-apiserver-etcd-client"
	FrontProxyClientCN    = "front-proxy-client"
	EtcdHealthcheckCN     = "kube-etcd-healthcheck-client"
	AdminCN               = "kubernetes-admin"
	SuperAdminCN          = "kubernetes-super-admin"
	ControllerManagerUser = "system:kube-controller-manager"
	SchedulerUser         = "system:kube-scheduler"
	// ControllerManagerCN and SchedulerCN name their serving certificates (not kubeadm's:
	// kubeadm gives them none, and they generate one at each start).
	ControllerManagerCN = "kube-controller-manager"
	SchedulerCN         = "kube-scheduler"
	// ClusterAdminsGroup is bound to the cluster-admin role by a ClusterRoleBinding of the same
	// name, which the control plane's bootstrap creates (as kubeadm does with super-admin.conf).
	ClusterAdminsGroup = "kubeadm:cluster-admins"
	// MastersGroup is system:masters, which bypasses authorization; only super-admin.conf has it.
	MastersGroup = "system:masters"
)

// leaf is a certificate to issue and the base of its .crt and .key paths.
type leaf struct {
	base string
	ca   *pki.KeyPair
	req  pki.Request
}

// leaves returns the control plane's certificates, kubeadm's names and subjects. Since 1.29
// kubeadm puts apiserver-kubelet-client in kubeadm:cluster-admins rather than system:masters
// (kubernetes/kubernetes#121837) and gives apiserver-etcd-client and etcd/healthcheck-client no
// Organization (#120521, #119859); etcd only checks that they chain to its CA.
func (p *parsed) leaves() []leaf {
	etcdNames, etcdIPs := p.etcdSANs()
	apiNames, apiIPs := p.apiServerSANs()
	return []leaf{
		{"apiserver", p.ca, pki.Request{CommonName: APIServerCN, DNSNames: apiNames, IPAddresses: apiIPs, Usage: pki.ServerAuth}},
		{"apiserver-kubelet-client", p.ca, pki.Request{CommonName: APIServerKubeletCN, Organization: []string{ClusterAdminsGroup}, Usage: pki.ClientAuth}},
		{"apiserver-etcd-client", p.etcdCA, pki.Request{CommonName: APIServerEtcdCN, Usage: pki.ClientAuth}},
		{"front-proxy-client", p.frontCA, pki.Request{CommonName: FrontProxyClientCN, Usage: pki.ClientAuth}},
		{"etcd/server", p.etcdCA, pki.Request{CommonName: p.in.Hostname, DNSNames: etcdNames, IPAddresses: etcdIPs, Usage: pki.ServerAuth | pki.ClientAuth}},
		{"etcd/peer", p.etcdCA, pki.Request{CommonName: p.in.Hostname, DNSNames: etcdNames, IPAddresses: etcdIPs, Usage: pki.ServerAuth | pki.ClientAuth}},
		{"etcd/healthcheck-client", p.etcdCA, pki.Request{CommonName: EtcdHealthcheckCN, Usage: pki.ClientAuth}},
		{"controller-manager", p.ca, pki.Request{CommonName: ControllerManagerCN, DNSNames: loopbackNames, IPAddresses: loopbackIPs, Usage: pki.ServerAuth}},
		{"scheduler", p.ca, pki.Request{CommonName: SchedulerCN, DNSNames: loopbackNames, IPAddresses: loopbackIPs, Usage: pki.ServerAuth}},
	}
}

// The controller-manager and the scheduler serve on loopback only (--bind-address). Without
// certificates of their own, each generates a self-signed CA and serving certificate at every
// start, two RSA-2048 keys, which took a control plane under emulation three to six minutes
// of CPU before either of them started: kubeadm leaves them to do that, Cairn issues them
// ECDSA certificates from the cluster CA instead.
var (
	loopbackNames = []string{"localhost"}
	loopbackIPs   = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
)

// issue signs l with the Input's time and lifetime and returns its two files.
func (p *parsed) issue(l leaf) ([]File, error) {
	l.req.Now, l.req.TTL = p.in.Now, p.in.TTL
	kp, err := l.ca.Issue(l.req)
	if err != nil {
		return nil, fmt.Errorf("issue %s: %w", l.base, err)
	}
	base := path.Join(PKIDir, l.base)
	return []File{cert(base+".crt", kp.CertPEM), secret(base+".key", kp.KeyPEM)}, nil
}

// apiServerSANs are kubeadm's apiserver names plus the endpoint's host and the extra SANs.
func (p *parsed) apiServerSANs() ([]string, []net.IP) {
	names := []string{"kubernetes", "kubernetes.default", "kubernetes.default.svc",
		"kubernetes.default.svc." + p.in.DNSDomain, "localhost", p.in.Hostname}
	ips := append([]netip.Addr{netip.MustParseAddr("127.0.0.1")}, p.serviceIPs...)
	ips = append(ips, p.in.NodeIPs...)
	for _, s := range append([]string{p.endHost}, p.in.CertSANs...) {
		if a, err := netip.ParseAddr(s); err == nil {
			ips = append(ips, a)
		} else {
			names = append(names, s)
		}
	}
	return dedupe(names), netIPs(ips)
}

// etcdSANs are the names etcd's server and peer certificates carry.
func (p *parsed) etcdSANs() ([]string, []net.IP) {
	ips := append([]netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.IPv6Loopback()}, p.in.NodeIPs...)
	return dedupe([]string{p.in.Hostname, "localhost"}), netIPs(ips)
}

// netIPs converts and de-duplicates addresses, keeping their order.
func netIPs(addrs []netip.Addr) []net.IP {
	seen := map[netip.Addr]bool{}
	var out []net.IP
	for _, a := range addrs {
		a = a.Unmap()
		if !seen[a] {
			seen[a] = true
			out = append(out, net.IP(a.AsSlice()))
		}
	}
	return out
}

// dedupe drops repeated strings, keeping the first of each.
func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
