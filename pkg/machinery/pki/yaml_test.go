package pki

import (
	"bytes"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestPEMPairYAML(t *testing.T) {
	ca := newTestCA(t)
	type doc struct {
		CA    PEMPair `yaml:"ca"`
		Empty PEMPair `yaml:"empty,omitempty"`
	}
	out, err := yaml.Marshal(doc{CA: ca.PEMPair()})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "crt: LS0tLS1CRUdJTi") || strings.Contains(string(out), "empty") {
		t.Errorf("Marshal() = %s, want base64 crt and no empty pair", out)
	}
	var back doc
	if err := yaml.Unmarshal(out, &back); err != nil {
		t.Fatalf("Unmarshal(Marshal()) = %v", err)
	}
	if !bytes.Equal(back.CA.Crt, ca.CertPEM) || !bytes.Equal(back.CA.Key, ca.KeyPEM) || !back.Empty.IsZero() {
		t.Errorf("round trip changed the pair")
	}
	if _, err := back.CA.KeyPair(); err != nil {
		t.Errorf("KeyPair() = %v", err)
	}
}

func TestPEMBytesRejects(t *testing.T) {
	tests := []struct{ in, want string }{
		{"crt: not*base64\n", "line 1: not a base64 string"},
		{"crt: [a]\n", "want a base64 string"},
		{"crt: {a: b}\n", "want a base64 string"},
	}
	for _, tt := range tests {
		var p PEMPair
		err := yaml.Unmarshal([]byte(tt.in), &p)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Unmarshal(%q) = %v, want an error containing %q", tt.in, err, tt.want)
		}
	}
}
