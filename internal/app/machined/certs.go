package machined

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/cairn-os/cairn/pkg/machinery/api/node"
	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// certFeed holds apid's current TLS material and wakes the Certificates streams on change.
type certFeed struct {
	mu  sync.Mutex
	cur *node.APICertificates
	// key identifies what cur certifies (see certInputs); empty for maintenance material.
	key     string
	changed chan struct{}
}

func newCertFeed() *certFeed { return &certFeed{changed: make(chan struct{})} }

func (f *certFeed) set(m *node.APICertificates) { f.setKeyed("", m) }

func (f *certFeed) setKeyed(key string, m *node.APICertificates) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cur, f.key = m, key
	close(f.changed)
	f.changed = make(chan struct{})
}

// current returns the current material (nil before any).
func (f *certFeed) current() *node.APICertificates {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cur
}

// issued returns the current material if it was issued for key, else nil.
func (f *certFeed) issued(key string) *node.APICertificates {
	f.mu.Lock()
	defer f.mu.Unlock()
	if key == "" || f.key != key {
		return nil
	}
	return f.cur
}

// certInputs identifies everything apid's certificates are issued from, so that a new
// configuration that changes none of it keeps them.
func certInputs(cfg *config.Config, hostname string, listenIP net.IP) string {
	h := sha256.New()
	for _, b := range [][]byte{
		[]byte(hostname), []byte(listenIP.String()), cfg.Machine.CA.Crt, cfg.Machine.CA.Key,
		[]byte(strings.Join(cfg.Machine.CertSANs, "\x00")), []byte(cfg.Machine.Token), []byte(cfg.Cluster.ControlPlane.Endpoint),
	} {
		_, _ = fmt.Fprintf(h, "%d:", len(b))
		_, _ = h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// certificatesFor returns apid's certificates for cfg and a function that hands them to apid.
// While what they certify is unchanged the current ones stay and nothing is handed over: new
// ones make apid drop its proxy connections, which cancels the calls in flight on them, such
// as the proxied ApplyConfiguration that brought cfg (it reported Canceled after succeeding).
func (n *daemon) certificatesFor(cfg *config.Config, hostname string) (*node.APICertificates, func(), error) {
	key := certInputs(cfg, hostname, n.listen)
	if cur := n.certs.issued(key); cur != nil {
		return cur, func() {}, nil
	}
	certs, err := apiCertificates(cfg, hostname, n.listen)
	if errors.Is(err, errNoCAKey) {
		certs, err = workerCertificates(context.Background(), cfg, hostname, n.listen)
	}
	if err != nil {
		return nil, nil, err
	}
	return certs, func() { n.certs.setKeyed(key, certs) }, nil
}

// watch calls fn with the current material and again after every change.
func (f *certFeed) watch(ctx context.Context, fn func(*node.APICertificates) error) error {
	for {
		f.mu.Lock()
		cur, changed := f.cur, f.changed
		f.mu.Unlock()
		if cur != nil {
			if err := fn(proto.Clone(cur).(*node.APICertificates)); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		}
	}
}

// errNoCAKey says the node (a worker) must get its certificate from trustd.
var errNoCAKey = errors.New("machine.ca has no key")

// apiCertificates issues apid's server certificate, marked as a control-plane node's, and its
// proxy client certificate from the OS CA in the configuration.
func apiCertificates(cfg *config.Config, hostname string, listenIP net.IP) (*node.APICertificates, error) {
	if len(cfg.Machine.CA.Key) == 0 {
		return nil, errNoCAKey
	}
	ca, err := pki.ParseKeyPair(cfg.Machine.CA.Crt, cfg.Machine.CA.Key)
	if err != nil {
		return nil, fmt.Errorf("machine.ca: %w", err)
	}
	dns, ips := serverNames(hostname, listenIP, cfg.Machine.CertSANs)
	server, err := ca.Issue(pki.Request{
		CommonName: hostname, OrganizationalUnit: []string{pki.ControlPlaneUnit},
		DNSNames: dns, IPAddresses: ips, Usage: pki.ServerAuth,
	})
	if err != nil {
		return nil, fmt.Errorf("issue API server certificate: %w", err)
	}
	client, err := ca.Issue(pki.Request{CommonName: hostname, Organization: []string{string(role.NodeProxy)}, Usage: pki.ClientAuth})
	if err != nil {
		return nil, fmt.Errorf("issue proxy client certificate: %w", err)
	}
	return &node.APICertificates{
		ServerCrt: server.CertPEM, ServerKey: server.KeyPEM, Ca: ca.CertPEM,
		ClientCrt: client.CertPEM, ClientKey: client.KeyPEM, Hostname: hostname,
	}, nil
}

// serverNames are the subject alternative names of the API server certificate.
func serverNames(hostname string, listenIP net.IP, sans []string) ([]string, []net.IP) {
	dns := []string{hostname, "localhost"}
	ips := []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	if listenIP != nil && !listenIP.IsUnspecified() {
		ips = append(ips, listenIP)
	} else if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				ips = append(ips, n.IP)
			}
		}
	}
	for _, s := range sans {
		if ip := net.ParseIP(s); ip != nil {
			ips = append(ips, ip)
		} else {
			dns = append(dns, s)
		}
	}
	return dns, ips
}

// selfSigned creates the maintenance-mode server certificate.
func selfSigned(hostname string, listenIP net.IP) (*pki.KeyPair, error) {
	key, err := pki.GenerateKey()
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("serial: %w", err)
	}
	dns, ips := serverNames(hostname, listenIP, nil)
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: hostname + " (maintenance)"},
		NotBefore: now.Add(-pki.Backdate), NotAfter: now.Add(24 * time.Hour),
		DNSNames: dns, IPAddresses: ips, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("self-signed certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return pki.ParseKeyPair(pki.EncodeCertificate(cert), pki.EncodePrivateKey(key))
}
