package attest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// Bounds of a Signed document: evidence files come from outside (an auditor's disk).
const (
	MaxSignedBytes  = 32 << 20
	maxCertificates = 8
	maxSignatures   = 8
)

// ErrInvalid is wrapped by every error of a malformed or unverifiable document.
var ErrInvalid = errors.New("invalid evidence")

// Parse decodes a Signed document strictly: unknown fields, trailing data, a missing
// envelope or certificate, or too many of either are errors.
func Parse(data []byte) (*Signed, error) {
	if len(data) > MaxSignedBytes {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrInvalid, len(data), MaxSignedBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Signed
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: decode: %w", ErrInvalid, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the document", ErrInvalid)
	}
	switch {
	case s.Envelope.PayloadType != PayloadType:
		return nil, fmt.Errorf("%w: payloadType %q, want %q", ErrInvalid, s.Envelope.PayloadType, PayloadType)
	case len(s.Envelope.Signatures) == 0 || len(s.Envelope.Signatures) > maxSignatures:
		return nil, fmt.Errorf("%w: %d signatures, want 1 to %d", ErrInvalid, len(s.Envelope.Signatures), maxSignatures)
	case len(s.Certificates) == 0 || len(s.Certificates) > maxCertificates:
		return nil, fmt.Errorf("%w: %d certificates, want 1 to %d", ErrInvalid, len(s.Certificates), maxCertificates)
	}
	return &s, nil
}

// Verified is what Verify established.
type Verified struct {
	Statement *Statement
	// Signer is the node's certificate that signed it.
	Signer *x509.Certificate
}

// Verify checks a Signed document against the OS CA (roots): the leaf certificate is a
// node's API server certificate the CA issued, valid when the statement says it was made;
// its key signed the envelope; and the statement names that node.
func Verify(data []byte, roots *x509.CertPool) (*Verified, error) {
	s, err := Parse(data)
	if err != nil {
		return nil, err
	}
	certs, err := parseChain(s.Certificates)
	if err != nil {
		return nil, err
	}
	leaf := certs[0]
	payload, err := verifyEnvelope(&s.Envelope, leaf)
	if err != nil {
		return nil, err
	}
	st, err := decodeStatement(payload)
	if err != nil {
		return nil, err
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	opts := x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: st.Predicate.Time, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	if _, err := leaf.Verify(opts); err != nil {
		return nil, fmt.Errorf("%w: the signer's certificate (%s) is not one the OS CA issued: %w", ErrInvalid, leaf.Subject, err)
	}
	ou := leaf.Subject.OrganizationalUnit
	if !slices.Contains(ou, pki.ControlPlaneUnit) && !slices.Contains(ou, pki.WorkerUnit) {
		return nil, fmt.Errorf("%w: the signer's certificate (%s) is not a node's", ErrInvalid, leaf.Subject)
	}
	if st.Predicate.Node != leaf.Subject.CommonName {
		return nil, fmt.Errorf("%w: the statement names node %q, the signer's certificate %q", ErrInvalid, st.Predicate.Node, leaf.Subject.CommonName)
	}
	return &Verified{Statement: st, Signer: leaf}, nil
}

func parseChain(pems []string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for i, p := range pems {
		block, rest := pem.Decode([]byte(p))
		if block == nil || block.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) > 0 {
			return nil, fmt.Errorf("%w: certificates[%d] is not one PEM certificate", ErrInvalid, i)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: certificates[%d]: %w", ErrInvalid, i, err)
		}
		out = append(out, c)
	}
	return out, nil
}

func decodeStatement(payload []byte) (*Statement, error) {
	var st Statement
	if err := json.Unmarshal(payload, &st); err != nil {
		return nil, fmt.Errorf("%w: payload: %w", ErrInvalid, err)
	}
	if st.Type != StatementType || st.PredicateType != PredicateType {
		return nil, fmt.Errorf("%w: statement %q with predicate %q, want %q with %q", ErrInvalid, st.Type, st.PredicateType, StatementType, PredicateType)
	}
	if len(st.Subject) == 0 || st.Predicate.Time.IsZero() {
		return nil, fmt.Errorf("%w: the statement has no subject or no time", ErrInvalid)
	}
	return &st, nil
}

// verifyEnvelope returns the payload if one of the envelope's signatures is the leaf key's
// over PAE(payloadType, payload). Cairn's PKI is ECDSA P-256 throughout.
func verifyEnvelope(env *Envelope, leaf *x509.Certificate) ([]byte, error) {
	pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: the signer's key is %T, not ECDSA", ErrInvalid, leaf.PublicKey)
	}
	payload, err := decodeBase64(env.Payload)
	if err != nil {
		return nil, fmt.Errorf("%w: payload is not base64", ErrInvalid)
	}
	digest := sha256.Sum256(PAE(env.PayloadType, payload))
	for _, s := range env.Signatures {
		sig, err := decodeBase64(s.Sig)
		if err == nil && ecdsa.VerifyASN1(pub, digest[:], sig) {
			return payload, nil
		}
	}
	return nil, fmt.Errorf("%w: no signature is the signer's certificate key's over the payload", ErrInvalid)
}

// SubjectMatches checks that data is the statement's first subject (by sha256).
func (st *Statement) SubjectMatches(data []byte) error {
	sum := sha256.Sum256(data)
	want := st.Subject[0].Digest["sha256"]
	if got := fmt.Sprintf("%x", sum); got != want {
		return fmt.Errorf("%w: the file's sha256 is %s, the statement's subject %s", ErrInvalid, got, want)
	}
	return nil
}
