package config

import (
	"encoding/base64"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// PEMPair is a PEM certificate and its PEM private key. In YAML each is the base64 encoding
// of the PEM text, so that a pair fits on two lines:
//
//	ca:
//	  crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t...
//	  key: LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0t...
type PEMPair struct {
	// Crt is the PEM certificate.
	Crt []byte `yaml:"crt,omitempty"`
	// Key is the PEM private key.
	Key []byte `yaml:"key,omitempty"`
}

// wirePEMPair is the YAML form of a PEMPair.
type wirePEMPair struct {
	Crt string `yaml:"crt,omitempty"`
	Key string `yaml:"key,omitempty"`
}

// IsZero reports whether neither certificate nor key is set, so that omitempty drops it.
func (p PEMPair) IsZero() bool { return len(p.Crt) == 0 && len(p.Key) == 0 }

// MarshalYAML encodes both halves as base64.
func (p PEMPair) MarshalYAML() (any, error) {
	return wirePEMPair{
		Crt: base64.StdEncoding.EncodeToString(p.Crt),
		Key: base64.StdEncoding.EncodeToString(p.Key),
	}, nil
}

// UnmarshalYAML decodes the base64 halves. Unknown keys are reported by the strict decoder,
// which knows the path.
func (p *PEMPair) UnmarshalYAML(n *yaml.Node) error {
	var w wirePEMPair
	if err := n.Decode(&w); err != nil {
		return err
	}
	crt, err := base64.StdEncoding.DecodeString(w.Crt)
	if err != nil {
		return fmt.Errorf("line %d: crt is not base64: %w", n.Line, err)
	}
	key, err := base64.StdEncoding.DecodeString(w.Key)
	if err != nil {
		return fmt.Errorf("line %d: key is not base64: %w", n.Line, err)
	}
	*p = PEMPair{Crt: nilIfEmpty(crt), Key: nilIfEmpty(key)}
	return nil
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}
