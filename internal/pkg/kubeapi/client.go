// Package kubeapi is a small Kubernetes REST client on net/http and encoding/json: Cairn talks
// to its apiserver without client-go, which would add tens of megabytes to the image binary.
//
// It covers what machined and cairnctl need: get and list into caller structs, create, update,
// server-side apply of manifests, watch, and a list-then-watch loop (Inform). Every request is
// bounded in time (Client.Timeout, except watches, which end with their context) and in the
// size of what it reads.
package kubeapi

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// Limits of a Client.
const (
	// DefaultTimeout bounds a request that is not a watch.
	DefaultTimeout = 30 * time.Second
	// MaxResponse bounds the body of a response that is not a watch.
	MaxResponse = 64 << 20
	// MaxEvent bounds one watch event.
	MaxEvent = 16 << 20
	// maxFile bounds a certificate or key file.
	maxFile = 1 << 20
)

// Client talks to one apiserver. It is safe for concurrent use.
type Client struct {
	server string
	token  string
	http   *http.Client
	// Timeout bounds each request but a watch; MaxBody bounds each reply's body.
	Timeout time.Duration
	MaxBody int64

	mu        sync.Mutex
	discovery map[string][]apiResource // by group/version
}

// New returns a client for cfg. TLS 1.3 is the minimum (Cairn's apiserver requires it), the
// server's certificate must chain to cfg.CA, and a client certificate given by files is read
// again on every handshake so that a rotated certificate takes effect.
func New(cfg Config) (*Client, error) {
	tc, err := tlsConfig(cfg)
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{
		TLSClientConfig:       tc,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: DefaultTimeout,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   4,
	}
	return &Client{
		server:    strings.TrimSuffix(cfg.Server, "/"),
		token:     cfg.Token,
		http:      &http.Client{Transport: tr},
		Timeout:   DefaultTimeout,
		MaxBody:   MaxResponse,
		discovery: map[string][]apiResource{},
	}, nil
}

// CloseIdleConnections closes the client's idle connections.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

func tlsConfig(cfg Config) (*tls.Config, error) {
	caPEM := cfg.CA
	if len(caPEM) == 0 && cfg.CAFile != "" {
		var err error
		if caPEM, err = readSmall(cfg.CAFile); err != nil {
			return nil, fmt.Errorf("kubeapi: certificate authority: %w", err)
		}
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("kubeapi: no CA certificate in the cluster's certificate authority")
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS13, RootCAs: pool}
	switch {
	case len(cfg.CertPEM) > 0:
		cert, err := tls.X509KeyPair(cfg.CertPEM, cfg.KeyPEM)
		if err != nil {
			return nil, fmt.Errorf("kubeapi: client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	case cfg.CertFile != "":
		if _, err := loadPair(cfg.CertFile, cfg.KeyFile); err != nil {
			return nil, err
		}
		tc.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return loadPair(cfg.CertFile, cfg.KeyFile)
		}
	}
	return tc, nil
}

// loadPair reads a client certificate and key from files (the kubelet keeps both in one).
func loadPair(certFile, keyFile string) (*tls.Certificate, error) {
	certPEM, err := readSmall(certFile)
	if err != nil {
		return nil, fmt.Errorf("kubeapi: client certificate: %w", err)
	}
	keyPEM, err := readSmall(keyFile)
	if err != nil {
		return nil, fmt.Errorf("kubeapi: client key: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("kubeapi: client certificate %s: %w", certFile, err)
	}
	return &cert, nil
}

// readSmall reads a file of at most maxFile bytes.
func readSmall(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	b, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(b) > maxFile {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxFile)
	}
	return b, nil
}
