// Package pki issues the certificates of a Cairn cluster: certificate authorities and the leaf
// certificates they sign, all ECDSA P-256 with SHA-256 signatures so that they work under
// GODEBUG=fips140=only.
//
// Randomness comes only from crypto/rand (keys, serials, signatures). Tests make it
// deterministic with testing/cryptotest.SetGlobalRandom and pass a fixed Request.Now.
package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"
)

const (
	// Backdate is how far before the issuing time a certificate becomes valid, so that peers
	// whose clocks run a little behind accept it.
	Backdate = 5 * time.Minute
	// DefaultCATTL is the lifetime of a certificate authority when the request gives none.
	DefaultCATTL = 10 * 365 * 24 * time.Hour
	// DefaultLeafTTL is the lifetime of a leaf certificate when the request gives none.
	DefaultLeafTTL = 365 * 24 * time.Hour
	// serialBits is the size of the random serial numbers.
	serialBits = 128
)

// Usage says what a leaf certificate may authenticate: a TLS server, a TLS client, or both.
type Usage uint8

const (
	// ServerAuth allows the certificate to authenticate a TLS server.
	ServerAuth Usage = 1 << iota
	// ClientAuth allows the certificate to authenticate a TLS client.
	ClientAuth
)

// extKeyUsages maps a Usage to the X.509 extended key usages it stands for.
func (u Usage) extKeyUsages() []x509.ExtKeyUsage {
	var out []x509.ExtKeyUsage
	if u&ServerAuth != 0 {
		out = append(out, x509.ExtKeyUsageServerAuth)
	}
	if u&ClientAuth != 0 {
		out = append(out, x509.ExtKeyUsageClientAuth)
	}
	return out
}

// Request describes a certificate to issue.
type Request struct {
	// CommonName is the subject's common name.
	CommonName string
	// Organization is the subject's organizations; client certificates carry roles here.
	Organization []string
	// OrganizationalUnit is the subject's organizational units; node server certificates say
	// here whether their node is a control-plane node (ControlPlaneUnit) or a worker (WorkerUnit).
	OrganizationalUnit []string
	// DNSNames and IPAddresses are the subject alternative names of a leaf certificate.
	DNSNames    []string
	IPAddresses []net.IP
	// Usage is what a leaf certificate may authenticate; it must not be zero for a leaf.
	Usage Usage
	// TTL is how long the certificate is valid after Now; zero means the default for its kind.
	TTL time.Duration
	// Now is the issuing time; zero means time.Now().
	Now time.Time
}

// validity returns the NotBefore and NotAfter of a certificate issued for r.
func (r Request) validity(defaultTTL time.Duration) (notBefore, notAfter time.Time, err error) {
	now := r.Now
	if now.IsZero() {
		now = time.Now()
	}
	ttl := r.TTL
	if ttl == 0 {
		ttl = defaultTTL
	}
	if ttl < 0 {
		return time.Time{}, time.Time{}, fmt.Errorf("ttl %s is negative", ttl)
	}
	now = now.UTC().Truncate(time.Second)
	return now.Add(-Backdate), now.Add(ttl), nil
}

// GenerateKey returns a new ECDSA P-256 private key.
func GenerateKey() (*ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate P-256 key: %w", err)
	}
	return key, nil
}

// newSerial returns a random positive 128-bit serial number.
func newSerial() (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), serialBits)
	for {
		n, err := rand.Int(rand.Reader, limit)
		if err != nil {
			return nil, fmt.Errorf("generate serial: %w", err)
		}
		if n.Sign() > 0 {
			return n, nil
		}
	}
}

// Fingerprint returns the lowercase hexadecimal SHA-256 of a certificate's DER encoding.
func Fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return hex.EncodeToString(sum[:])
}

// subject builds the distinguished name of a request.
func (r Request) subject() pkix.Name {
	return pkix.Name{CommonName: r.CommonName, Organization: r.Organization, OrganizationalUnit: r.OrganizationalUnit}
}

// ErrInvalidRequest is wrapped by every error about a malformed Request.
var ErrInvalidRequest = errors.New("invalid certificate request")
