package kubepki

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
	"github.com/cairn-os/cairn/pkg/machinery/secrets"
)

// DefaultLocalAPIPort is the port kube-apiserver listens on when Input.LocalAPIPort is zero.
const DefaultLocalAPIPort = 6443

// Input is what a node's Kubernetes files are derived from.
type Input struct {
	// Role is config.TypeControlPlane or config.TypeWorker.
	Role string
	// Hostname is the node's host name (the etcd certificates' common name and a SAN).
	Hostname string
	// NodeIPs are the node's addresses; they are SANs of the apiserver and etcd certificates.
	NodeIPs []netip.Addr
	// Endpoint is cluster.controlPlane.endpoint, https://host:port.
	Endpoint string
	// LocalAPIPort is the port of this node's kube-apiserver; zero means 6443.
	LocalAPIPort int
	// BalancerPort is the loopback port of the node's load balancer for the Kubernetes API,
	// which a worker's kubelet bootstraps through; zero means straight to Endpoint.
	BalancerPort int
	// ServiceSubnets are the service CIDRs; the first address of each is an apiserver SAN.
	ServiceSubnets []string
	// DNSDomain is the cluster's DNS domain, e.g. cluster.local.
	DNSDomain string
	// CertSANs are extra apiserver SANs, DNS names or IP addresses.
	CertSANs []string
	// KubernetesCA is the cluster CA: certificate and key on a control plane, certificate only
	// on a worker.
	KubernetesCA pki.PEMPair
	// EtcdCA and FrontProxyCA (certificate and key) and ServiceAccountKey are for a control
	// plane only.
	EtcdCA            pki.PEMPair
	FrontProxyCA      pki.PEMPair
	ServiceAccountKey pki.PEMBytes
	// BootstrapToken is the bootstrap token the kubelet joins with.
	BootstrapToken string
	// Now is the issuing time; zero means time.Now().
	Now time.Time
	// TTL is the leaf certificates' lifetime; zero means pki.DefaultLeafTTL.
	TTL time.Duration
}

// FromConfig returns the Input of a node with cfg (defaults applied), its host name and its
// addresses.
func FromConfig(cfg *config.Config, hostname string, nodeIPs []netip.Addr) Input {
	cl := cfg.Cluster
	return Input{
		Role: cfg.Machine.Type, Hostname: hostname, NodeIPs: nodeIPs,
		Endpoint: cl.ControlPlane.Endpoint, ServiceSubnets: cl.Network.ServiceSubnets,
		DNSDomain: cl.Network.DNSDomain, CertSANs: cl.APIServer.CertSANs,
		KubernetesCA: cl.CA, EtcdCA: cl.Etcd.CA, FrontProxyCA: cl.AggregatorCA,
		ServiceAccountKey: cl.ServiceAccount.Key, BootstrapToken: cl.Token,
	}
}

// parsed is a checked Input.
type parsed struct {
	in         Input  // normalised
	given      Input  // as given, for error messages
	endpoint   string // the control-plane endpoint, normalised
	local      string // https://127.0.0.1:port, this node's apiserver
	endHost    string // the endpoint's host
	serviceIPs []netip.Addr
	ca         *pki.KeyPair // certificate only on a worker
	etcdCA     *pki.KeyPair
	frontCA    *pki.KeyPair
	saKey      *ecdsa.PrivateKey
}

func (p *parsed) worker() bool { return p.in.Role == config.TypeWorker }

// ErrInvalidInput is wrapped by every error about a bad Input, so that a caller can tell a
// configuration to fix from a failure to issue.
var ErrInvalidInput = errors.New("invalid kubernetes pki input")

// parse checks in and reports every problem, each naming its field.
func parse(in Input) (*parsed, error) {
	p := &parsed{in: normalise(in), given: in}
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(checkRole(in.Role))
	add(p.parseEndpoint())
	add(checkToken(in.BootstrapToken))
	if in.BalancerPort < 0 || in.BalancerPort > 65535 {
		add(fmt.Errorf("balancer port %d: not in 1-65535 (0: none)", in.BalancerPort))
	}
	add(p.parseKubernetesCA())
	switch in.Role {
	case config.TypeControlPlane:
		errs = append(errs, p.parseControlPlane()...)
	case config.TypeWorker:
		errs = append(errs, checkWorkerKeys(in)...)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidInput, err)
	}
	return p, nil
}

// normalise lowercases the host name and the extra SANs (DNS names are case-insensitive, the
// configuration accepts capitals, and Kubernetes node names are lowercase), copying the slice.
func normalise(in Input) Input {
	in.Hostname = strings.ToLower(in.Hostname)
	sans := make([]string, len(in.CertSANs))
	for i, s := range in.CertSANs {
		sans[i] = strings.ToLower(s)
	}
	in.CertSANs = sans
	return in
}

// checkRole reports an error unless role is a machine type.
func checkRole(role string) error {
	if role != config.TypeControlPlane && role != config.TypeWorker {
		return fmt.Errorf("role %q: want %s or %s", role, config.TypeControlPlane, config.TypeWorker)
	}
	return nil
}

func checkToken(token string) error {
	if err := secrets.ValidateToken(token); err != nil {
		return fmt.Errorf("bootstrap token: %w", err)
	}
	return nil
}

// parseEndpoint checks that the endpoint is https://host:port and nothing else.
func (p *parsed) parseEndpoint() error {
	s := p.in.Endpoint
	u, err := url.Parse(s)
	bad := err != nil || u.Scheme != "https" || u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
		(u.Path != "" && u.Path != "/") || !isHost(strings.ToLower(u.Hostname()))
	if !bad {
		port, perr := strconv.Atoi(u.Port())
		bad = perr != nil || port < 1 || port > 65535
	}
	if bad {
		return fmt.Errorf("endpoint %q: not an https://host:port URL", s)
	}
	p.endpoint, p.endHost = "https://"+u.Host, strings.ToLower(u.Hostname())
	return nil
}

// isHost reports whether s is an IP address or a DNS name.
func isHost(s string) bool {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Zone() == ""
	}
	return len(s) <= 253 && dnsNameRE.MatchString(s)
}

// parseKubernetesCA parses the cluster CA: the key is required on a control plane and refused
// on a worker.
func (p *parsed) parseKubernetesCA() error {
	ca := p.in.KubernetesCA
	if p.in.Role == config.TypeWorker {
		if len(ca.Key) != 0 {
			return errors.New("kubernetes CA key: a worker must not hold it")
		}
		c, err := pki.ParseCertificate(ca.Crt)
		if err != nil {
			return fmt.Errorf("kubernetes CA certificate: %w", err)
		}
		p.ca = &pki.KeyPair{Certificate: c, CertPEM: ca.Crt}
		return nil
	}
	kp, err := parseCA("kubernetes CA", ca)
	p.ca = kp
	return err
}

// parseCA parses a CA certificate and its key, both required.
func parseCA(name string, pair pki.PEMPair) (*pki.KeyPair, error) {
	switch {
	case len(pair.Crt) == 0:
		return nil, fmt.Errorf("%s: certificate missing", name)
	case len(pair.Key) == 0:
		return nil, fmt.Errorf("%s: key missing (a control plane needs it)", name)
	}
	kp, err := pair.KeyPair()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if !kp.Certificate.IsCA {
		return nil, fmt.Errorf("%s: certificate %q is not a CA", name, kp.Certificate.Subject.CommonName)
	}
	return kp, nil
}

// checkWorkerKeys refuses control-plane secrets on a worker: it must never hold them.
func checkWorkerKeys(in Input) []error {
	var errs []error
	for _, k := range []struct {
		name string
		set  bool
	}{
		{"etcd CA", !in.EtcdCA.IsZero()},
		{"front-proxy CA", !in.FrontProxyCA.IsZero()},
		{"service-account key", len(in.ServiceAccountKey) != 0},
	} {
		if k.set {
			errs = append(errs, fmt.Errorf("%s: a worker must not hold it", k.name))
		}
	}
	return errs
}
