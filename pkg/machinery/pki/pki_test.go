package pki

import (
	"bytes"
	"crypto/fips140"
	"crypto/x509"
	"errors"
	"net"
	"slices"
	"testing"
	"testing/cryptotest"
	"time"
)

var testNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func newTestCA(t *testing.T) *KeyPair {
	t.Helper()
	ca, err := NewCA(Request{CommonName: "test-ca", Organization: []string{"cairn"}, Now: testNow})
	if err != nil {
		t.Fatalf("NewCA() = %v", err)
	}
	return ca
}

func TestNewCA(t *testing.T) {
	ca := newTestCA(t)
	c := ca.Certificate
	if !c.IsCA || !c.BasicConstraintsValid {
		t.Errorf("IsCA = %v, BasicConstraintsValid = %v, want both true", c.IsCA, c.BasicConstraintsValid)
	}
	if c.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Errorf("KeyUsage = %v, want CertSign", c.KeyUsage)
	}
	if c.SignatureAlgorithm != x509.ECDSAWithSHA256 || c.PublicKeyAlgorithm != x509.ECDSA {
		t.Errorf("algorithms = %v/%v, want ECDSA-SHA256/ECDSA", c.SignatureAlgorithm, c.PublicKeyAlgorithm)
	}
	if got := ca.PrivateKey.Curve.Params().Name; got != "P-256" {
		t.Errorf("curve = %s, want P-256", got)
	}
	if want := testNow.Add(-Backdate); !c.NotBefore.Equal(want) {
		t.Errorf("NotBefore = %v, want %v", c.NotBefore, want)
	}
	if want := testNow.Add(DefaultCATTL); !c.NotAfter.Equal(want) {
		t.Errorf("NotAfter = %v, want %v", c.NotAfter, want)
	}
	if c.SerialNumber.Sign() <= 0 || c.SerialNumber.BitLen() > serialBits {
		t.Errorf("serial %v is not a positive %d-bit number", c.SerialNumber, serialBits)
	}
	if err := c.CheckSignatureFrom(c); err != nil {
		t.Errorf("CA is not self-signed: %v", err)
	}
	back, err := ParseKeyPair(ca.CertPEM, ca.KeyPEM)
	if err != nil {
		t.Fatalf("ParseKeyPair(CA PEM) = %v", err)
	}
	if !back.Certificate.Equal(c) || !back.PrivateKey.Equal(ca.PrivateKey) {
		t.Errorf("ParseKeyPair did not round-trip the CA")
	}
}

func TestIssue(t *testing.T) {
	ca := newTestCA(t)
	tests := []struct {
		name  string
		usage Usage
		want  []x509.ExtKeyUsage
	}{
		{"server", ServerAuth, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}},
		{"client", ClientAuth, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}},
		{"both", ServerAuth | ClientAuth, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kp, err := ca.Issue(Request{
				CommonName: "leaf", Organization: []string{"os:reader"}, Usage: tt.usage,
				DNSNames: []string{"node1"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
				TTL: time.Hour, Now: testNow,
			})
			if err != nil {
				t.Fatalf("Issue() = %v", err)
			}
			c := kp.Certificate
			if c.IsCA {
				t.Errorf("leaf IsCA = true")
			}
			if !slices.Equal(c.ExtKeyUsage, tt.want) {
				t.Errorf("ExtKeyUsage = %v, want %v", c.ExtKeyUsage, tt.want)
			}
			if c.KeyUsage != x509.KeyUsageDigitalSignature {
				t.Errorf("KeyUsage = %v, want DigitalSignature", c.KeyUsage)
			}
			if !slices.Equal(c.Subject.Organization, []string{"os:reader"}) {
				t.Errorf("Organization = %v, want [os:reader]", c.Subject.Organization)
			}
			if want := testNow.Add(time.Hour); !c.NotAfter.Equal(want) {
				t.Errorf("NotAfter = %v, want %v", c.NotAfter, want)
			}
			_, err = c.Verify(x509.VerifyOptions{Roots: ca.CertPool(), CurrentTime: testNow, KeyUsages: tt.want})
			if err != nil {
				t.Errorf("Verify() = %v", err)
			}
		})
	}
}

func TestIssueRejects(t *testing.T) {
	ca := newTestCA(t)
	tests := []struct {
		name string
		r    Request
	}{
		{"no common name", Request{Usage: ClientAuth}},
		{"no usage", Request{CommonName: "x"}},
		{"unknown usage", Request{CommonName: "x", Usage: 4}},
		{"negative ttl", Request{CommonName: "x", Usage: ClientAuth, TTL: -time.Hour}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ca.Issue(tt.r); !errors.Is(err, ErrInvalidRequest) {
				t.Errorf("Issue(%+v) = %v, want ErrInvalidRequest", tt.r, err)
			}
		})
	}
	leaf, err := ca.Issue(Request{CommonName: "leaf", Usage: ClientAuth, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := leaf.Issue(Request{CommonName: "x", Usage: ClientAuth}); err == nil {
		t.Errorf("a leaf certificate signed another certificate")
	}
}

func TestLeafNeverOutlivesCA(t *testing.T) {
	ca, err := NewCA(Request{CommonName: "short", TTL: time.Hour, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	kp, err := ca.Issue(Request{CommonName: "leaf", Usage: ServerAuth, TTL: 24 * time.Hour, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if !kp.Certificate.NotAfter.Equal(ca.Certificate.NotAfter) {
		t.Errorf("leaf NotAfter = %v, want the CA's %v", kp.Certificate.NotAfter, ca.Certificate.NotAfter)
	}
}

func TestCSR(t *testing.T) {
	ca := newTestCA(t)
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	csrPEM, err := NewCSR(key, Request{CommonName: "node1", DNSNames: []string{"node1"}})
	if err != nil {
		t.Fatalf("NewCSR() = %v", err)
	}
	csr, pub, err := ParseCSR(csrPEM)
	if err != nil {
		t.Fatalf("ParseCSR() = %v", err)
	}
	certPEM, err := ca.Sign(pub, Request{CommonName: csr.Subject.CommonName, DNSNames: csr.DNSNames, Usage: ServerAuth, Now: testNow})
	if err != nil {
		t.Fatalf("Sign() = %v", err)
	}
	kp, err := ParseKeyPair(certPEM, EncodePrivateKey(key))
	if err != nil {
		t.Fatalf("ParseKeyPair(signed, own key) = %v", err)
	}
	if err := kp.Certificate.VerifyHostname("node1"); err != nil {
		t.Errorf("VerifyHostname(node1) = %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	ca := newTestCA(t)
	other := newTestCA(t)
	if _, err := ParseKeyPair(ca.CertPEM, other.KeyPEM); err == nil {
		t.Errorf("ParseKeyPair accepted a key that does not match the certificate")
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"garbage", []byte("not pem")},
		{"wrong type", ca.KeyPEM},
		{"trailing data", append(bytes.Clone(ca.CertPEM), "junk"...)},
		{"two blocks", append(bytes.Clone(ca.CertPEM), other.CertPEM...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseCertificate(tt.data); err == nil {
				t.Errorf("ParseCertificate(%q) = nil error", tt.data)
			}
		})
	}
	if _, err := ParsePrivateKey(ca.CertPEM); err == nil {
		t.Errorf("ParsePrivateKey(certificate) = nil error")
	}
}

func TestValidAt(t *testing.T) {
	ca := newTestCA(t)
	if err := ca.ValidAt(testNow); err != nil {
		t.Errorf("ValidAt(now) = %v", err)
	}
	if err := ca.ValidAt(testNow.Add(-time.Hour)); err == nil {
		t.Errorf("ValidAt(an hour before issue) = nil")
	}
	if err := ca.ValidAt(testNow.Add(DefaultCATTL + time.Second)); err == nil {
		t.Errorf("ValidAt(after expiry) = nil")
	}
}

// TestDeterministic checks that a seeded global random source and a fixed clock give the same
// certificates twice: what golden tests of bundles built on this package rely on.
func TestDeterministic(t *testing.T) {
	if fips140.Version() == "v1.0.0" {
		t.Skip("the Go Cryptographic Module v1.0.0 ignores testing/cryptotest.SetGlobalRandom")
	}
	gen := func() []byte {
		cryptotest.SetGlobalRandom(t, 42)
		ca := newTestCA(t)
		kp, err := ca.Issue(Request{CommonName: "leaf", Usage: ClientAuth, Now: testNow})
		if err != nil {
			t.Fatal(err)
		}
		return slices.Concat(ca.CertPEM, ca.KeyPEM, kp.CertPEM, kp.KeyPEM)
	}
	if a, b := gen(), gen(); !bytes.Equal(a, b) {
		t.Errorf("same seed and clock gave different certificates")
	}
}
