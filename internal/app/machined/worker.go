package machined

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/cairn-os/cairn/pkg/machinery/api/node"
	"github.com/cairn-os/cairn/pkg/machinery/api/trust"
	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// trustdPort is the port trustd serves on, next to the API.
const trustdPort = "50001"

// joinTimeout bounds how long a worker keeps asking trustd for its certificate.
const joinTimeout = time.Minute

// workerCertificates gets apid's certificate from trustd on the control plane: the worker
// sends a CSR and the join token, and trusts trustd because it presents a certificate from the
// OS CA in the worker's configuration. trustd certifies only what the worker can prove, the
// address it connects from, so the worker connects from the address it names: its listen
// address, else the one its routes pick. machine.certSANs are not asked for.
func workerCertificates(ctx context.Context, cfg *config.Config, hostname string, listenIP net.IP) (*node.APICertificates, error) {
	addr, err := trustdAddressOf(cfg)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(cfg.Machine.CA.Crt) {
		return nil, errors.New("machine.ca.crt: no PEM certificate")
	}
	key, err := pki.GenerateKey()
	if err != nil {
		return nil, err
	}
	source, err := joinSource(addr, listenIP)
	if err != nil {
		return nil, err
	}
	ips := append([]net.IP{source}, pki.JoinLoopbacks...)
	csr, err := pki.NewCSR(key, pki.Request{CommonName: hostname, DNSNames: []string{hostname, "localhost"}, IPAddresses: ips})
	if err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS13, RootCAs: roots})),
		grpc.WithContextDialer(func(ctx context.Context, a string) (net.Conn, error) {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: source}}
			return d.DialContext(ctx, "tcp", a)
		}))
	if err != nil {
		return nil, fmt.Errorf("trustd %s: %w", addr, err)
	}
	defer func() { _ = conn.Close() }()
	resp, err := askTrustd(ctx, trust.NewTrustServiceClient(conn), &trust.CertificateRequest{Csr: csr, Token: cfg.Machine.Token})
	if err != nil {
		return nil, fmt.Errorf("get the API certificate from trustd at %s: %w", addr, err)
	}
	keyPEM := pki.EncodePrivateKey(key)
	return &node.APICertificates{
		ServerCrt: resp.GetCrt(), ServerKey: keyPEM, Ca: cfg.Machine.CA.Crt,
		Hostname: hostname, // no proxy client certificate: workers do not proxy
	}, nil
}

// joinSource is the address this node connects to trustd at addr from: its listen address when
// it has one, else the one the kernel's routes pick (a UDP socket is connected, nothing sent).
func joinSource(addr string, listenIP net.IP) (net.IP, error) {
	if listenIP != nil && !listenIP.IsUnspecified() {
		return listenIP, nil
	}
	c, err := net.Dial("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("route to trustd at %s: %w", addr, err)
	}
	defer func() { _ = c.Close() }()
	ua, ok := c.LocalAddr().(*net.UDPAddr)
	if !ok {
		return nil, fmt.Errorf("route to trustd at %s: local address %v is not UDP", addr, c.LocalAddr())
	}
	return ua.IP, nil
}

// askTrustd retries until trustd answers (the control plane may still be starting).
func askTrustd(ctx context.Context, c trust.TrustServiceClient, req *trust.CertificateRequest) (*trust.CertificateResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, joinTimeout)
	defer cancel()
	for {
		resp, err := c.Certificate(ctx, req, grpc.WaitForReady(true))
		if err == nil {
			return resp, nil
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// trustdAddressOf is the control-plane endpoint's host with trustd's port.
func trustdAddressOf(cfg *config.Config) (string, error) {
	u, err := url.Parse(cfg.Cluster.ControlPlane.Endpoint)
	if err != nil || u.Hostname() == "" {
		return "", fmt.Errorf("cluster.controlPlane.endpoint: %q is not a URL with a host", cfg.Cluster.ControlPlane.Endpoint)
	}
	return net.JoinHostPort(u.Hostname(), trustdPort), nil
}
