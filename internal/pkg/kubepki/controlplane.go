package kubepki

import (
	"fmt"
	"path"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// renderControlPlane returns a control plane's CA certificates, the cluster CA key, the
// service-account key pair, its leaf certificates and its kubeconfigs.
func renderControlPlane(p *parsed) ([]File, error) {
	saPub, err := pki.EncodePublicKey(&p.saKey.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("service-account public key: %w", err)
	}
	files := []File{
		dir(KubernetesDir), dir(PKIDir), dir(EtcdPKIDir),
		cert(path.Join(PKIDir, "ca.crt"), p.ca.CertPEM),
		secret(path.Join(PKIDir, "ca.key"), p.ca.KeyPEM),
		cert(path.Join(PKIDir, "front-proxy-ca.crt"), p.frontCA.CertPEM),
		cert(path.Join(EtcdPKIDir, "ca.crt"), p.etcdCA.CertPEM),
		secret(path.Join(PKIDir, "sa.key"), pki.EncodePrivateKey(p.saKey)),
		cert(path.Join(PKIDir, "sa.pub"), saPub),
	}
	for _, l := range p.leaves() {
		pair, err := p.issue(l)
		if err != nil {
			return nil, err
		}
		files = append(files, pair...)
	}
	confs, err := p.controlPlaneKubeconfigs()
	if err != nil {
		return nil, err
	}
	return append(files, confs...), nil
}

// controlPlaneKubeconfigs returns admin.conf and super-admin.conf (the endpoint),
// controller-manager.conf and scheduler.conf (this node's apiserver, as kubeadm 1.29+ does),
// and the kubelet's bootstrap kubeconfig (this node's apiserver, so a single control plane
// needs no load balancer to come up). kubeadm writes super-admin.conf (system:masters) only on
// the node that initialises the cluster, where it creates the kubeadm:cluster-admins binding
// admin.conf relies on; the controller that wires this in must do the same once several
// control-plane nodes exist. Unlike kubeadm, which writes the control plane's kubelet.conf
// itself, every kubelet here joins by TLS bootstrap, the control plane's included.
func (p *parsed) controlPlaneKubeconfigs() ([]File, error) {
	specs := []struct {
		path, server string
		req          pki.Request
	}{
		{AdminConf, p.endpoint, pki.Request{CommonName: AdminCN, Organization: []string{ClusterAdminsGroup}}},
		{SuperAdminConf, p.endpoint, pki.Request{CommonName: SuperAdminCN, Organization: []string{MastersGroup}}},
		{ControllerManagerConf, p.local, pki.Request{CommonName: ControllerManagerUser}},
		{SchedulerConf, p.local, pki.Request{CommonName: SchedulerUser}},
	}
	var out []File
	for _, s := range specs {
		data, err := p.certKubeconfig(s.server, s.req)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.path, err)
		}
		out = append(out, secret(s.path, data))
	}
	boot, err := p.bootstrapKubeconfig(p.local)
	if err != nil {
		return nil, err
	}
	return append(out, secret(BootstrapKubeletConf, boot)), nil
}

// certKubeconfig issues a client certificate for req and returns a kubeconfig embedding it.
func (p *parsed) certKubeconfig(server string, req pki.Request) ([]byte, error) {
	req.Usage, req.Now, req.TTL = pki.ClientAuth, p.in.Now, p.in.TTL
	kp, err := p.ca.Issue(req)
	if err != nil {
		return nil, fmt.Errorf("issue %q: %w", req.CommonName, err)
	}
	return encodeKubeconfig(p.ca.CertPEM, server, req.CommonName, User{ClientCertificateData: kp.CertPEM, ClientKeyData: kp.KeyPEM})
}

// bootstrapKubeconfig returns the kubelet's TLS bootstrap kubeconfig, carrying the token.
func (p *parsed) bootstrapKubeconfig(server string) ([]byte, error) {
	return encodeKubeconfig(p.ca.CertPEM, server, BootstrapUser, User{Token: p.in.BootstrapToken})
}
