package pki

import (
	"encoding/base64"
	"errors"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// PEMBytes is PEM text. Cairn's YAML files (machine configuration, secrets bundle, client
// configuration) carry it as one base64 string, as Talos does, so that a value can be copied
// between them; JSON carries it as base64 too. It converts to []byte implicitly.
type PEMBytes []byte

// MarshalYAML encodes the PEM text as standard base64.
func (b PEMBytes) MarshalYAML() (any, error) {
	return base64.StdEncoding.EncodeToString(b), nil
}

// UnmarshalYAML decodes a base64 string. The error never repeats the value, which may be a key.
func (b *PEMBytes) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: want a base64 string of PEM text", n.Line)
	}
	if n.Value == "" {
		*b = nil
		return nil
	}
	raw, err := base64.StdEncoding.DecodeString(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, errNotBase64)
	}
	*b = raw
	return nil
}

var errNotBase64 = errors.New("not a base64 string of PEM text")

// PEMPair is a PEM certificate and its PEM private key as they appear in Cairn's YAML files:
// {crt: BASE64, key: BASE64}. Either may be empty (a worker gets a CA's certificate only; the
// service-account key has no certificate).
type PEMPair struct {
	Crt PEMBytes `yaml:"crt,omitempty" json:"crt,omitempty"`
	Key PEMBytes `yaml:"key,omitempty" json:"key,omitempty"`
}

// IsZero reports whether both halves are empty.
func (p PEMPair) IsZero() bool { return len(p.Crt) == 0 && len(p.Key) == 0 }

// KeyPair parses and checks the pair.
func (p PEMPair) KeyPair() (*KeyPair, error) { return ParseKeyPair(p.Crt, p.Key) }

// PEMPair returns the PEM form of kp.
func (kp *KeyPair) PEMPair() PEMPair { return PEMPair{Crt: kp.CertPEM, Key: kp.KeyPEM} }
