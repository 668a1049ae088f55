package apid

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"sync/atomic"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/node"
)

// credentialSet is apid's TLS material as machined last sent it.
type credentialSet struct {
	maintenance bool
	hostname    string
	server      tls.Certificate
	ca          *x509.CertPool
	// client authenticates this apid to other nodes when it proxies (nil in maintenance).
	client *tls.Certificate
}

func parseCredentials(m *node.APICertificates) (*credentialSet, error) {
	server, err := tls.X509KeyPair(m.GetServerCrt(), m.GetServerKey())
	if err != nil {
		return nil, fmt.Errorf("server certificate: %w", err)
	}
	cs := &credentialSet{maintenance: m.GetMaintenance(), hostname: m.GetHostname(), server: server}
	if cs.maintenance {
		return cs, nil
	}
	cs.ca = x509.NewCertPool()
	if !cs.ca.AppendCertsFromPEM(m.GetCa()) {
		return nil, fmt.Errorf("CA certificate: no PEM certificate found")
	}
	if len(m.GetClientCrt()) == 0 {
		return cs, nil // a worker: it serves the API but does not proxy
	}
	client, err := tls.X509KeyPair(m.GetClientCrt(), m.GetClientKey())
	if err != nil {
		return nil, fmt.Errorf("proxy client certificate: %w", err)
	}
	cs.client = &client
	return cs, nil
}

// credStore holds the current credentialSet; connections pick it up at handshake time.
type credStore struct {
	cur atomic.Pointer[credentialSet]
	// changed is called after each update (apid drops its cached node connections).
	changed func()
}

// tlsConfig returns the server configuration: TLS 1.3 only; in normal mode a client certificate
// is asked for and verified per call, and a call without one is refused there: so that a
// missing or bad certificate gets a precise error and an audit event, not a bare handshake
// failure.
func (c *credStore) tlsConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS13,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			cs := c.cur.Load()
			cfg := &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cs.server}, NextProtos: []string{"h2"}}
			if !cs.maintenance {
				cfg.ClientAuth = tls.RequestClientCert
			}
			return cfg, nil
		},
	}
}

// watch receives credentials from machined until the stream ends. ready is closed after the
// first set arrives.
func (c *credStore) watch(ctx context.Context, client node.NodeServiceClient, ready chan<- struct{}) error {
	stream, err := client.Certificates(ctx, &common.Empty{})
	if err != nil {
		return fmt.Errorf("ask machined for certificates: %w", err)
	}
	first := true
	for {
		m, err := stream.Recv()
		if err != nil {
			return fmt.Errorf("certificate stream from machined: %w", err)
		}
		cs, err := parseCredentials(m)
		if err != nil {
			return fmt.Errorf("certificates from machined: %w", err)
		}
		c.cur.Store(cs)
		if c.changed != nil {
			c.changed()
		}
		if first {
			close(ready)
			first = false
		}
	}
}
