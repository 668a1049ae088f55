package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// PEM block types.
const (
	blockCertificate  = "CERTIFICATE"
	blockECPrivateKey = "EC PRIVATE KEY"
	blockPKCS8Key     = "PRIVATE KEY"
	blockPublicKey    = "PUBLIC KEY"
	blockCSR          = "CERTIFICATE REQUEST"
)

// EncodeCertificate returns a certificate as a PEM block.
func EncodeCertificate(cert *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: blockCertificate, Bytes: cert.Raw})
}

// EncodePrivateKey returns an ECDSA private key as an "EC PRIVATE KEY" (SEC 1) PEM block.
func EncodePrivateKey(key *ecdsa.PrivateKey) []byte {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		// Only an unsupported curve fails, and every key here is P-256.
		panic(fmt.Sprintf("pki: marshal EC private key: %v", err))
	}
	return pem.EncodeToMemory(&pem.Block{Type: blockECPrivateKey, Bytes: der})
}

// EncodePublicKey returns an ECDSA public key as a "PUBLIC KEY" (PKIX) PEM block.
func EncodePublicKey(key *ecdsa.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return nil, fmt.Errorf("marshal public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: blockPublicKey, Bytes: der}), nil
}

// decodeOne returns the single PEM block of data, which must be of the given type.
func decodeOne(data []byte, wantType string) (*pem.Block, error) {
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("no PEM %s block found", wantType)
	}
	if block.Type != wantType {
		return nil, fmt.Errorf("PEM block is %q, want %q", block.Type, wantType)
	}
	if err := checkRest(rest, wantType); err != nil {
		return nil, err
	}
	return block, nil
}

// checkRest reports an error unless what follows a PEM block is only whitespace.
func checkRest(rest []byte, blockType string) error {
	if len(pemTrim(rest)) != 0 {
		return fmt.Errorf("unexpected data after the PEM %s block", blockType)
	}
	return nil
}

// pemTrim drops the whitespace that may follow a PEM block.
func pemTrim(b []byte) []byte {
	for len(b) > 0 && (b[0] == '\n' || b[0] == '\r' || b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}

// ParseCertificate parses a single PEM certificate.
func ParseCertificate(data []byte) (*x509.Certificate, error) {
	block, err := decodeOne(data, blockCertificate)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse certificate: %w", err)
	}
	return cert, nil
}

// ParsePrivateKey parses a single PEM ECDSA P-256 private key, SEC 1 or PKCS #8.
func ParsePrivateKey(data []byte) (*ecdsa.PrivateKey, error) {
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM private key block found")
	}
	var key *ecdsa.PrivateKey
	switch block.Type {
	case blockECPrivateKey:
		k, err := x509.ParseECPrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse EC private key: %w", err)
		}
		key = k
	case blockPKCS8Key:
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse PKCS #8 private key: %w", err)
		}
		ec, ok := k.(*ecdsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("private key is %T, want ECDSA", k)
		}
		key = ec
	default:
		return nil, fmt.Errorf("PEM block is %q, want %q or %q", block.Type, blockECPrivateKey, blockPKCS8Key)
	}
	if err := checkRest(rest, block.Type); err != nil {
		return nil, err
	}
	if key.Curve != elliptic.P256() {
		return nil, fmt.Errorf("private key curve is %s, want P-256", key.Curve.Params().Name)
	}
	return key, nil
}

// NewCSR returns a PEM certificate signing request for key with the subject of r.
func NewCSR(key *ecdsa.PrivateKey, r Request) ([]byte, error) {
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject:            r.subject(),
		DNSNames:           r.DNSNames,
		IPAddresses:        r.IPAddresses,
		SignatureAlgorithm: x509.ECDSAWithSHA256,
	}, key)
	if err != nil {
		return nil, fmt.Errorf("create certificate request: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: blockCSR, Bytes: der}), nil
}

// ParseCSR parses a PEM certificate signing request, checks its signature, and requires an
// ECDSA P-256 public key.
func ParseCSR(data []byte) (*x509.CertificateRequest, *ecdsa.PublicKey, error) {
	block, err := decodeOne(data, blockCSR)
	if err != nil {
		return nil, nil, err
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("parse certificate request: %w", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, nil, fmt.Errorf("certificate request signature: %w", err)
	}
	pub, ok := csr.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, nil, errors.New("certificate request key is not ECDSA P-256")
	}
	return csr, pub, nil
}

// ParsePublicKey parses a single PEM "PUBLIC KEY" (PKIX) block holding an ECDSA P-256 key.
func ParsePublicKey(data []byte) (*ecdsa.PublicKey, error) {
	block, err := decodeOne(data, blockPublicKey)
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse public key: %w", err)
	}
	ec, ok := k.(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("public key is %T, want ECDSA", k)
	}
	if ec.Curve != elliptic.P256() {
		return nil, fmt.Errorf("public key curve is %s, want P-256", ec.Curve.Params().Name)
	}
	return ec, nil
}
