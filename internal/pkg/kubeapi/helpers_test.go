package kubeapi

import (
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

var (
	caOnce sync.Once
	testCA *pki.KeyPair
	caErr  error
)

// ca returns one test CA for the package.
func ca(t testing.TB) *pki.KeyPair {
	t.Helper()
	caOnce.Do(func() { testCA, caErr = pki.NewCA(pki.Request{CommonName: "kubernetes"}) })
	if caErr != nil {
		t.Fatalf("NewCA: %v", caErr)
	}
	return testCA
}

// clientCert issues a client certificate for cn.
func clientCert(t testing.TB, cn string, orgs ...string) *pki.KeyPair {
	t.Helper()
	kp, err := ca(t).Issue(pki.Request{CommonName: cn, Organization: orgs, Usage: pki.ClientAuth})
	if err != nil {
		t.Fatalf("Issue(%s): %v", cn, err)
	}
	return kp
}

// newServer starts a TLS 1.3 server on loopback that requires a client certificate from the
// test CA, and returns a Config for it with a client certificate for "tester".
func newServer(t *testing.T, h http.Handler) Config {
	t.Helper()
	serving, err := ca(t).Issue(pki.Request{CommonName: "kube-apiserver", IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, Usage: pki.ServerAuth})
	if err != nil {
		t.Fatalf("Issue serving: %v", err)
	}
	s := httptest.NewUnstartedServer(h)
	s.TLS = &tls.Config{
		Certificates: []tls.Certificate{serving.TLSCertificate()},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    ca(t).CertPool(),
		MinVersion:   tls.VersionTLS13,
	}
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // a refused handshake is what some tests want
	s.StartTLS()
	t.Cleanup(s.Close)
	cl := clientCert(t, "tester")
	return Config{Server: s.URL, CA: ca(t).CertPEM, CertPEM: cl.CertPEM, KeyPEM: cl.KeyPEM}
}

func newClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// kubeconfigYAML writes a one-context kubeconfig with inline credentials.
func kubeconfigYAML(server string, caPEM, certPEM, keyPEM []byte) string {
	b := base64.StdEncoding.EncodeToString
	return fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: kubernetes
  cluster:
    server: %s
    certificate-authority-data: %s
contexts:
- name: admin@kubernetes
  context: {cluster: kubernetes, user: admin}
current-context: admin@kubernetes
users:
- name: admin
  user:
    client-certificate-data: %s
    client-key-data: %s
`, server, b(caPEM), b(certPEM), b(keyPEM))
}
