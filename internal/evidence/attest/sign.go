package attest

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
)

// Signed is the signed evidence as the API sends it and cairnctl stores it: the DSSE
// envelope and the signer's certificate chain (PEM, leaf first).
type Signed struct {
	Envelope     Envelope `json:"dsseEnvelope"`
	Certificates []string `json:"certificates"`
}

// Signer signs statements with a node's key.
type Signer struct {
	key   crypto.Signer
	chain []*x509.Certificate
}

// NewSigner signs with key, whose certificate is chain[0]; the rest of chain are its issuers.
func NewSigner(key crypto.Signer, chain []*x509.Certificate) (*Signer, error) {
	if len(chain) == 0 {
		return nil, errors.New("no certificate for the signing key")
	}
	if !publicKeysEqual(key.Public(), chain[0].PublicKey) {
		return nil, errors.New("the signing key does not match its certificate")
	}
	return &Signer{key: key, chain: chain}, nil
}

type equaler interface{ Equal(crypto.PublicKey) bool }

func publicKeysEqual(a, b crypto.PublicKey) bool {
	e, ok := a.(equaler)
	return ok && e.Equal(b)
}

// Node is the node the signer's certificate names: a statement must name the same.
func (s *Signer) Node() string { return s.chain[0].Subject.CommonName }

// Sign encodes st, signs it and returns the Signed evidence as JSON.
func (s *Signer) Sign(st *Statement) ([]byte, error) {
	payload, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256(PAE(PayloadType, payload))
	sig, err := s.key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("sign evidence: %w", err)
	}
	out := Signed{Envelope: Envelope{PayloadType: PayloadType, Payload: base64.StdEncoding.EncodeToString(payload),
		Signatures: []Signature{{KeyID: keyID(s.chain[0]), Sig: base64.StdEncoding.EncodeToString(sig)}}}}
	for _, c := range s.chain {
		out.Certificates = append(out.Certificates, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})))
	}
	return json.MarshalIndent(out, "", "  ")
}

// keyID names a signing key by its certificate's SHA-256 fingerprint.
func keyID(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}
