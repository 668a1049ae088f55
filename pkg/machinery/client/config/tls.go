package config

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// ParseCAs parses one or more PEM certificates into a pool.
func ParseCAs(data []byte) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, errors.New("holds no PEM certificate")
	}
	return pool, nil
}

// TLSConfig returns the client TLS configuration of the context: TLS 1.3 with P-256/P-384 key
// exchange (usable under GODEBUG=fips140=only), trusting only the context's CA and presenting
// its client certificate.
func (ctx *Context) TLSConfig() (*tls.Config, error) {
	if len(ctx.CA) == 0 {
		return nil, errors.New("context has no CA")
	}
	roots, err := ParseCAs(ctx.CA)
	if err != nil {
		return nil, fmt.Errorf("ca: %w", err)
	}
	conf := &tls.Config{
		MinVersion:       tls.VersionTLS13,
		CurvePreferences: []tls.CurveID{tls.CurveP256, tls.CurveP384},
		RootCAs:          roots,
	}
	if len(ctx.Crt) != 0 {
		kp, err := pki.ParseKeyPair(ctx.Crt, ctx.Key)
		if err != nil {
			return nil, fmt.Errorf("crt: %w", err)
		}
		conf.Certificates = []tls.Certificate{kp.TLSCertificate()}
	}
	return conf, nil
}
