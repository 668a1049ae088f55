package secrets

import (
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// FieldError is one problem with a bundle, naming the field it is about.
type FieldError struct {
	// Field is the YAML path of the field, such as "certs.os.key".
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// errRequired is the problem of a field left empty.
var errRequired = errors.New("is required")

// checker collects the problems found while converting a wire bundle.
type checker struct{ errs []error }

func (c *checker) add(field string, err error) {
	c.errs = append(c.errs, &FieldError{Field: field, Err: err})
}

// bundle validates w and converts it, or returns every problem found.
func (w *wireBundle) bundle() (*Bundle, error) {
	c := &checker{}
	if w.Version != Version {
		c.add("version", fmt.Errorf("%q is not supported, want %q", w.Version, Version))
	}
	b := &Bundle{Cluster: Cluster(w.Cluster), Tokens: Tokens(w.Tokens)}
	c.base64Len("cluster.id", w.Cluster.ID, base64.RawURLEncoding, 32)
	c.base64Len("cluster.secret", w.Cluster.Secret, base64.StdEncoding, 32)
	c.token("tokens.bootstrap", w.Tokens.Bootstrap)
	c.token("tokens.join", w.Tokens.Join)
	b.KubernetesEncryptionKey = c.base64Len("kubernetesEncryptionKey", w.KubernetesEncryptionKey, base64.StdEncoding, 32)
	b.Certs.OS = c.ca("certs.os", w.Certs.OS)
	b.Certs.Kubernetes = c.ca("certs.kubernetes", w.Certs.Kubernetes)
	b.Certs.Etcd = c.ca("certs.etcd", w.Certs.Etcd)
	b.Certs.FrontProxy = c.ca("certs.frontProxy", w.Certs.FrontProxy)
	if len(w.Certs.ServiceAccount.Key) == 0 {
		c.add("certs.serviceAccount.key", errRequired)
	} else if key, err := pki.ParsePrivateKey(w.Certs.ServiceAccount.Key); err != nil {
		c.add("certs.serviceAccount.key", err)
	} else {
		b.Certs.ServiceAccount, b.Certs.ServiceAccountPEM = key, w.Certs.ServiceAccount.Key
	}
	if err := errors.Join(c.errs...); err != nil {
		return nil, fmt.Errorf("invalid secrets bundle:\n%w", err)
	}
	return b, nil
}

// base64Len decodes a required base64 value that must hold exactly n bytes.
func (c *checker) base64Len(field, value string, enc *base64.Encoding, n int) []byte {
	if value == "" {
		c.add(field, errRequired)
		return nil
	}
	b, err := enc.DecodeString(value)
	if err != nil {
		c.add(field, errors.New("is not valid base64"))
		return nil
	}
	if len(b) != n {
		c.add(field, fmt.Errorf("holds %d bytes, want %d", len(b), n))
		return nil
	}
	return b
}

// token checks a required token.
func (c *checker) token(field, value string) {
	if value == "" {
		c.add(field, errRequired)
	} else if err := ValidateToken(value); err != nil {
		c.add(field, err)
	}
}

// ca parses a required certificate authority and its key.
func (c *checker) ca(field string, p pki.PEMPair) *pki.KeyPair {
	if len(p.Crt) == 0 || len(p.Key) == 0 {
		if len(p.Crt) == 0 {
			c.add(field+".crt", errRequired)
		}
		if len(p.Key) == 0 {
			c.add(field+".key", errRequired)
		}
		return nil
	}
	cert, certErr := pki.ParseCertificate(p.Crt)
	if certErr != nil {
		c.add(field+".crt", certErr)
	}
	key, keyErr := pki.ParsePrivateKey(p.Key)
	if keyErr != nil {
		c.add(field+".key", keyErr)
	}
	if certErr != nil || keyErr != nil {
		return nil
	}
	if !cert.IsCA || !cert.BasicConstraintsValid || cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		c.add(field+".crt", errors.New("is not a CA certificate (needs CA:true and KeyUsage CertSign)"))
		return nil
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		c.add(field+".key", errors.New("does not match the certificate"))
		return nil
	}
	return &pki.KeyPair{Certificate: cert, PrivateKey: key, CertPEM: p.Crt, KeyPEM: p.Key}
}
