package audit

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"fmt"
)

// Anchor is the node's signature over the chain up to and including the event that carries it.
// The signature covers the event's canonical encoding without its hash and without the
// signature itself; since that encoding holds the previous event's hash, it covers every event
// before it too. The certificate is the node's API server certificate: a verifier checks it
// against the OS CA it trusts, the same CA it checks the node's TLS certificate against.
type Anchor struct {
	// Cert is the DER certificate whose key made the signature.
	Cert []byte `json:"cert"`
	// Signature is ASN.1 ECDSA over the SHA-256 digest of the event (see SigningDigest).
	Signature []byte `json:"signature"`
}

// Signer signs anchors: the node's certificate and its private key.
type Signer struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// IsAnchor says whether events of this kind carry a signature.
func IsAnchor(kind string) bool {
	return kind == KindBoot || kind == KindShutdown || kind == KindAnchor
}

// SigningDigest is the SHA-256 of the event's canonical encoding with Hash and the anchor's
// signature empty.
func (e Event) SigningDigest() []byte {
	e.Hash = ""
	e.Time = e.Time.UTC()
	if e.Anchor != nil {
		a := *e.Anchor
		a.Signature = nil
		e.Anchor = &a
	}
	b, err := json.Marshal(e)
	if err != nil {
		panic(fmt.Sprintf("audit: encode event: %v", err)) // see ComputeHash
	}
	sum := sha256.Sum256(b)
	return sum[:]
}

// SealSigned links the event to prevHash, signs it with s and computes its hash.
func (e *Event) SealSigned(prevHash string, s *Signer) error {
	e.Time = e.Time.UTC()
	e.PrevHash = prevHash
	e.Anchor = &Anchor{Cert: s.Cert.Raw}
	sig, err := s.Key.Sign(rand.Reader, e.SigningDigest(), crypto.SHA256)
	if err != nil {
		return fmt.Errorf("sign audit anchor %d: %w", e.Seq, err)
	}
	e.Anchor.Signature = sig
	e.Hash = e.ComputeHash()
	return nil
}

// checkAnchor verifies the anchor's signature with its certificate and, when roots is set,
// the certificate against roots.
func (e Event) checkAnchor(roots *x509.CertPool) error {
	if e.Anchor == nil {
		return fmt.Errorf("a %s event must carry a signature", e.Kind)
	}
	cert, err := x509.ParseCertificate(e.Anchor.Cert)
	if err != nil {
		return fmt.Errorf("anchor certificate: %w", err)
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return fmt.Errorf("anchor certificate %q: key is %T, want ECDSA", cert.Subject.CommonName, cert.PublicKey)
	}
	if !ecdsa.VerifyASN1(pub, e.SigningDigest(), e.Anchor.Signature) {
		return fmt.Errorf("the signature by %q does not match the chain: the events before it were rewritten", cert.Subject.CommonName)
	}
	if roots == nil {
		return nil
	}
	opts := x509.VerifyOptions{Roots: roots, CurrentTime: e.Time, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
	if _, err := cert.Verify(opts); err != nil {
		return fmt.Errorf("the anchor is signed by %q, not by a certificate of the trusted OS CA: %w", cert.Subject.CommonName, err)
	}
	return nil
}
