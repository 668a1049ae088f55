package osimage

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Algorithm is the one signature algorithm images use: FIPS 186-5 ECDSA on P-256 over SHA-256.
const Algorithm = "ecdsa-p256-sha256"

// Signature is manifest.sig: who signed the manifest, and the ASN.1 DER signature.
type Signature struct {
	Algorithm string `json:"algorithm"`
	KeyID     string `json:"keyID"`
	Value     string `json:"value"` // base64 of the DER signature
}

// ErrUntrusted marks an image signed by no key the node trusts (or not signed at all).
var ErrUntrusted = errors.New("image not signed by a trusted key")

// KeyID names a public key: the hex sha256 of its PKIX DER encoding.
func KeyID(pub *ecdsa.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "invalid-key"
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// Sign signs the manifest bytes with key.
func Sign(manifest []byte, key *ecdsa.PrivateKey) ([]byte, error) {
	sum := sha256.Sum256(manifest)
	sig, err := ecdsa.SignASN1(rand.Reader, key, sum[:])
	if err != nil {
		return nil, fmt.Errorf("sign image manifest: %w", err)
	}
	return json.Marshal(Signature{Algorithm: Algorithm, KeyID: KeyID(&key.PublicKey), Value: base64.StdEncoding.EncodeToString(sig)})
}

// Verify checks sig over manifest against the trusted keys and returns the signer's key ID.
func Verify(manifest, sig []byte, trusted []*ecdsa.PublicKey) (string, error) {
	var s Signature
	dec := json.NewDecoder(strings.NewReader(string(sig)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return "", fmt.Errorf("%w: manifest.sig: %w", ErrUntrusted, err)
	}
	if s.Algorithm != Algorithm {
		return "", fmt.Errorf("%w: algorithm %q, want %q", ErrUntrusted, s.Algorithm, Algorithm)
	}
	der, err := base64.StdEncoding.DecodeString(s.Value)
	if err != nil {
		return "", fmt.Errorf("%w: signature value: %w", ErrUntrusted, err)
	}
	if len(trusted) == 0 {
		return "", fmt.Errorf("%w: this node trusts no image signing key (machine.upgrade.trustedKeys is empty)", ErrUntrusted)
	}
	sum := sha256.Sum256(manifest)
	for _, k := range trusted {
		if KeyID(k) == s.KeyID {
			if !ecdsa.VerifyASN1(k, sum[:], der) {
				return "", fmt.Errorf("%w: the signature by key %s does not match the manifest", ErrUntrusted, short(s.KeyID))
			}
			return s.KeyID, nil
		}
	}
	return "", fmt.Errorf("%w: signed by key %s, which is not in machine.upgrade.trustedKeys", ErrUntrusted, short(s.KeyID))
}

// short abbreviates a key ID for messages (the first 16 hex digits, like a fingerprint).
func short(id string) string {
	if len(id) > 16 {
		return id[:16]
	}
	return fmt.Sprintf("%q", id)
}
