package pki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"time"
)

// KeyPair is a certificate and its private key, both parsed and PEM encoded.
type KeyPair struct {
	Certificate *x509.Certificate
	PrivateKey  *ecdsa.PrivateKey
	// CertPEM is the certificate as a "CERTIFICATE" PEM block.
	CertPEM []byte
	// KeyPEM is the private key as an "EC PRIVATE KEY" PEM block.
	KeyPEM []byte
}

// NewCA creates a self-signed certificate authority: CA:true, KeyUsage CertSign, CRLSign and
// DigitalSignature, path length zero (it signs only leaf certificates).
func NewCA(r Request) (*KeyPair, error) {
	if r.CommonName == "" {
		return nil, fmt.Errorf("%w: a CA needs a common name", ErrInvalidRequest)
	}
	notBefore, notAfter, err := r.validity(DefaultCATTL)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               r.subject(),
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		SignatureAlgorithm:    x509.ECDSAWithSHA256,
	}
	key, err := GenerateKey()
	if err != nil {
		return nil, err
	}
	cert, err := sign(tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	return &KeyPair{Certificate: cert, PrivateKey: key, CertPEM: EncodeCertificate(cert), KeyPEM: EncodePrivateKey(key)}, nil
}

// Issue generates a key and a leaf certificate for r signed by kp, which must be a CA.
func (kp *KeyPair) Issue(r Request) (*KeyPair, error) {
	key, err := GenerateKey()
	if err != nil {
		return nil, err
	}
	certPEM, err := kp.Sign(&key.PublicKey, r)
	if err != nil {
		return nil, err
	}
	return ParseKeyPair(certPEM, EncodePrivateKey(key))
}

// Sign issues a leaf certificate for a public key (for example from a CSR), signed by kp, which
// must be a CA, and returns it PEM encoded. The certificate never outlives the CA.
func (kp *KeyPair) Sign(pub *ecdsa.PublicKey, r Request) ([]byte, error) {
	tmpl, err := kp.leafTemplate(r)
	if err != nil {
		return nil, err
	}
	cert, err := sign(tmpl, kp.Certificate, pub, kp.PrivateKey)
	if err != nil {
		return nil, err
	}
	return EncodeCertificate(cert), nil
}

// leafTemplate checks a leaf request against the CA and builds its certificate template.
func (kp *KeyPair) leafTemplate(r Request) (*x509.Certificate, error) {
	if kp == nil || kp.Certificate == nil || kp.PrivateKey == nil {
		return nil, errors.New("sign: no CA certificate and key")
	}
	if !kp.Certificate.IsCA {
		return nil, fmt.Errorf("sign: %q is not a CA certificate", kp.Certificate.Subject.CommonName)
	}
	if r.CommonName == "" {
		return nil, fmt.Errorf("%w: a leaf certificate needs a common name", ErrInvalidRequest)
	}
	if r.Usage == 0 || r.Usage&^(ServerAuth|ClientAuth) != 0 {
		return nil, fmt.Errorf("%w: usage %d is not ServerAuth and/or ClientAuth", ErrInvalidRequest, r.Usage)
	}
	notBefore, notAfter, err := r.validity(DefaultLeafTTL)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	if notAfter.After(kp.Certificate.NotAfter) {
		notAfter = kp.Certificate.NotAfter
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	return &x509.Certificate{
		SerialNumber:          serial,
		Subject:               r.subject(),
		DNSNames:              r.DNSNames,
		IPAddresses:           r.IPAddresses,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           r.Usage.extKeyUsages(),
		SignatureAlgorithm:    x509.ECDSAWithSHA256,
	}, nil
}

// sign creates and parses the certificate for tmpl.
func sign(tmpl, parent *x509.Certificate, pub *ecdsa.PublicKey, signer *ecdsa.PrivateKey) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		return nil, fmt.Errorf("create certificate %q: %w", tmpl.Subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse certificate %q: %w", tmpl.Subject.CommonName, err)
	}
	return cert, nil
}

// ParseKeyPair parses a PEM certificate and PEM private key and checks that they belong together.
func ParseKeyPair(certPEM, keyPEM []byte) (*KeyPair, error) {
	cert, err := ParseCertificate(certPEM)
	if err != nil {
		return nil, err
	}
	key, err := ParsePrivateKey(keyPEM)
	if err != nil {
		return nil, err
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, errors.New("private key does not match the certificate")
	}
	return &KeyPair{Certificate: cert, PrivateKey: key, CertPEM: bytes.Clone(certPEM), KeyPEM: bytes.Clone(keyPEM)}, nil
}

// TLSCertificate returns the pair for use in a tls.Config.
func (kp *KeyPair) TLSCertificate() tls.Certificate {
	return tls.Certificate{
		Certificate: [][]byte{kp.Certificate.Raw},
		PrivateKey:  kp.PrivateKey,
		Leaf:        kp.Certificate,
	}
}

// CertPool returns a pool holding only this certificate, for trusting a CA.
func (kp *KeyPair) CertPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(kp.Certificate)
	return pool
}

// ValidAt reports an error unless the certificate is valid at t.
func (kp *KeyPair) ValidAt(t time.Time) error {
	c := kp.Certificate
	if t.Before(c.NotBefore) {
		return fmt.Errorf("certificate %q is not valid before %s", c.Subject.CommonName, c.NotBefore.Format(time.RFC3339))
	}
	if t.After(c.NotAfter) {
		return fmt.Errorf("certificate %q expired at %s", c.Subject.CommonName, c.NotAfter.Format(time.RFC3339))
	}
	return nil
}
