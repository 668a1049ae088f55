package kubepki

import (
	"errors"
	"fmt"
	"time"

	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// AdminInput is what an admin kubeconfig is issued from.
type AdminInput struct {
	// ClusterName is cluster.name: the kubeconfig's cluster is named after it, its user and
	// context admin@ClusterName (as talosctl names them).
	ClusterName string
	// Endpoint is cluster.controlPlane.endpoint, https://host:port.
	Endpoint string
	// KubernetesCA is the cluster CA, certificate and key.
	KubernetesCA pki.PEMPair
	// Now is the issuing time; zero means time.Now(). TTL is the certificate's lifetime; zero
	// means pki.DefaultLeafTTL.
	Now time.Time
	TTL time.Duration
}

// AdminKubeconfig issues a fresh admin kubeconfig: a new key and a client certificate (CN
// kubernetes-admin, O kubeadm:cluster-admins, as kubeadm's admin.conf) for the control-plane
// endpoint. It renders nothing else. Errors about the input wrap ErrInvalidInput.
func AdminKubeconfig(in AdminInput) ([]byte, error) {
	p := &parsed{in: Input{Role: config.TypeControlPlane, Endpoint: in.Endpoint, KubernetesCA: in.KubernetesCA, Now: in.Now, TTL: in.TTL}}
	p.given = p.in
	var errs []error
	if in.ClusterName == "" {
		errs = append(errs, errors.New("cluster name: empty"))
	}
	errs = append(errs, p.parseEndpoint(), p.parseKubernetesCA())
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidInput, err)
	}
	req := pki.Request{CommonName: AdminCN, Organization: []string{ClusterAdminsGroup}, Usage: pki.ClientAuth, Now: in.Now, TTL: in.TTL}
	kp, err := p.ca.Issue(req)
	if err != nil {
		return nil, fmt.Errorf("issue %q: %w", AdminCN, err)
	}
	name := AdminUser(in.ClusterName)
	return encodeNamedKubeconfig(p.ca.CertPEM, p.endpoint, kubeconfigNames{cluster: in.ClusterName, user: name, context: name},
		User{ClientCertificateData: kp.CertPEM, ClientKeyData: kp.KeyPEM})
}

// AdminUser is the user and context name of the admin kubeconfig of cluster.
func AdminUser(cluster string) string { return "admin@" + cluster }
