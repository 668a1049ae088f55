package attest

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

func TestPAE(t *testing.T) {
	// The example of the DSSE protocol's specification.
	got := string(PAE("http://example.com/HelloWorld", []byte("hello world")))
	if want := "DSSEv1 29 http://example.com/HelloWorld 11 hello world"; got != want {
		t.Errorf("PAE = %q, want %q", got, want)
	}
	if got := string(PAE("", nil)); got != "DSSEv1 0  0 " {
		t.Errorf("PAE(empty) = %q", got)
	}
}

type pkiFixture struct {
	ca, node, client, otherCA *pki.KeyPair
}

func newPKI(t testing.TB) pkiFixture {
	t.Helper()
	var f pkiFixture
	var err error
	if f.ca, err = pki.NewCA(pki.Request{CommonName: "os"}); err != nil {
		t.Fatal(err)
	}
	if f.otherCA, err = pki.NewCA(pki.Request{CommonName: "other"}); err != nil {
		t.Fatal(err)
	}
	if f.node, err = f.ca.Issue(pki.Request{CommonName: "node-a", OrganizationalUnit: []string{pki.ControlPlaneUnit}, DNSNames: []string{"node-a"}, Usage: pki.ServerAuth}); err != nil {
		t.Fatal(err)
	}
	if f.client, err = f.ca.Issue(pki.Request{CommonName: "alice", Organization: []string{"os:admin"}, Usage: pki.ClientAuth | pki.ServerAuth}); err != nil {
		t.Fatal(err)
	}
	return f
}

func statement(node string) *Statement {
	return NewStatement(Subject{Name: "sbom.spdx.json", Digest: map[string]string{"sha256": strings.Repeat("0", 64)}}, Predicate{
		Kind: KindSBOM, Node: node, BootID: "b00t", Nonce: "n0nce", Time: time.Now().UTC().Truncate(time.Second),
		Image: Image{Version: "v1", SBOM: map[string]string{"/usr/share/cairn/sbom.spdx.json": strings.Repeat("0", 64)}},
	})
}

func sign(t testing.TB, kp *pki.KeyPair, chain []*x509.Certificate, st *Statement) []byte {
	t.Helper()
	s, err := NewSigner(kp.PrivateKey, chain)
	if err != nil {
		t.Fatal(err)
	}
	data, err := s.Sign(st)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestSignVerify(t *testing.T) {
	f := newPKI(t)
	chain := []*x509.Certificate{f.node.Certificate, f.ca.Certificate}
	data := sign(t, f.node, chain, statement("node-a"))
	v, err := Verify(data, f.ca.CertPool())
	if err != nil {
		t.Fatalf("Verify(signed) = %v", err)
	}
	if p := v.Statement.Predicate; p.Node != "node-a" || p.Nonce != "n0nce" || p.BootID != "b00t" || v.Signer.Subject.CommonName != "node-a" {
		t.Errorf("Verify = %+v signed by %s", p, v.Signer.Subject)
	}

	tamper := func(edit func(*Signed)) []byte {
		var s Signed
		if err := json.Unmarshal(data, &s); err != nil {
			t.Fatal(err)
		}
		edit(&s)
		out, _ := json.Marshal(s)
		return out
	}
	forged := statement("node-a")
	forged.Predicate.Nonce = "another"
	forgedPayload, _ := json.Marshal(forged)
	tests := []struct {
		name  string
		data  []byte
		roots *x509.CertPool
		want  string
	}{
		{"payload changed", tamper(func(s *Signed) { s.Envelope.Payload = base64.StdEncoding.EncodeToString(forgedPayload) }), f.ca.CertPool(), "no signature"},
		{"payload type changed", tamper(func(s *Signed) { s.Envelope.PayloadType = "text/plain" }), f.ca.CertPool(), "payloadType"},
		{"another CA", data, f.otherCA.CertPool(), "not one the OS CA issued"},
		{"signed by a client certificate", sign(t, f.client, []*x509.Certificate{f.client.Certificate}, statement("alice")), f.ca.CertPool(), "not a node's"},
		{"names another node", sign(t, f.node, chain, statement("node-b")), f.ca.CertPool(), `names node "node-b"`},
		{"no certificates", tamper(func(s *Signed) { s.Certificates = nil }), f.ca.CertPool(), "0 certificates"},
		{"certificate of another key", tamper(func(s *Signed) { s.Certificates[0] = string(f.client.CertPEM) }), f.ca.CertPool(), "no signature"},
		{"garbage", []byte("{"), f.ca.CertPool(), "decode"},
		{"unknown field", []byte(`{"dsseEnvelope":{},"certificates":[],"extra":1}`), f.ca.CertPool(), "unknown field"},
	}
	for _, tt := range tests {
		_, err := Verify(tt.data, tt.roots)
		if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Verify(%s) = %v, want ErrInvalid naming %q", tt.name, err, tt.want)
		}
	}
	if _, err := NewSigner(f.client.PrivateKey, []*x509.Certificate{f.node.Certificate}); err == nil {
		t.Error("NewSigner(key of another certificate) = nil error")
	}
}

func TestSubjectMatches(t *testing.T) {
	st := statement("node-a")
	st.Subject[0].Digest["sha256"] = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9" // "hello world"
	if err := st.SubjectMatches([]byte("hello world")); err != nil {
		t.Errorf("SubjectMatches(hello world) = %v", err)
	}
	if err := st.SubjectMatches([]byte("hello world!")); err == nil {
		t.Error("SubjectMatches(other data) = nil error")
	}
}

// FuzzVerify: an evidence file comes from an auditor's disk; whatever it holds, Verify must
// end with a verdict, and accept nothing the test CA did not sign.
func FuzzVerify(f *testing.F) {
	p := newPKI(f)
	good := sign(f, p.node, []*x509.Certificate{p.node.Certificate, p.ca.Certificate}, statement("node-a"))
	f.Add(good)
	f.Add([]byte(`{"dsseEnvelope":{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"sig":"AA=="}]},"certificates":["x"]}`))
	f.Add([]byte(`{}`))
	roots := p.ca.CertPool()
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Verify(data, roots)
		if err == nil && v.Signer.Subject.CommonName != "node-a" {
			t.Fatalf("Verify accepted a document signed by %s", v.Signer.Subject)
		}
	})
}
