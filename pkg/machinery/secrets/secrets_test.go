package secrets

import (
	"bytes"
	"crypto/fips140"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/cryptotest"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// testNow is the fixed clock of the golden bundle.
var testNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func newTestBundle(t testing.TB) *Bundle {
	t.Helper()
	b, err := New(Options{Now: testNow})
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	return b
}

// TestGolden checks the encoded bundle against testdata/bundle.golden.yaml: with a seeded random
// source and a fixed clock, generation is byte-for-byte reproducible.
func TestGolden(t *testing.T) {
	if fips140.Version() == "v1.0.0" {
		t.Skip("the Go Cryptographic Module v1.0.0 ignores testing/cryptotest.SetGlobalRandom")
	}
	cryptotest.SetGlobalRandom(t, 1)
	got, err := newTestBundle(t).Encode()
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "bundle.golden.yaml")
	if *update {
		if err := os.WriteFile(golden, got, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("encoded bundle differs from %s (run go test -update if the change is intended):\n%s", golden, got)
	}
}

// TestGoldenDecodes checks that the committed golden bundle is valid on every build, including
// GOFIPS140=certified ones where TestGolden cannot run.
func TestGoldenDecodes(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "bundle.golden.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Decode(data)
	if err != nil {
		t.Fatalf("Decode(golden) = %v", err)
	}
	again, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, data) {
		t.Errorf("Encode(Decode(golden)) differs from golden:\n%s", again)
	}
}

func TestNew(t *testing.T) {
	b := newTestBundle(t)
	for _, tok := range []string{b.Tokens.Bootstrap, b.Tokens.Join} {
		if err := ValidateToken(tok); err != nil {
			t.Errorf("ValidateToken(%q) = %v", tok, err)
		}
	}
	if b.Tokens.Bootstrap == b.Tokens.Join {
		t.Errorf("bootstrap and join tokens are equal")
	}
	cas := map[string]string{
		"os":          b.Certs.OS.Certificate.Subject.CommonName,
		"kubernetes":  b.Certs.Kubernetes.Certificate.Subject.CommonName,
		"etcd":        b.Certs.Etcd.Certificate.Subject.CommonName,
		"front-proxy": b.Certs.FrontProxy.Certificate.Subject.CommonName,
	}
	seen := map[string]bool{}
	for name, cn := range cas {
		if seen[cn] {
			t.Errorf("CA %s reuses common name %q", name, cn)
		}
		seen[cn] = true
	}
	if !b.Certs.OS.Certificate.NotBefore.Before(testNow) {
		t.Errorf("OS CA NotBefore = %v, want before %v", b.Certs.OS.Certificate.NotBefore, testNow)
	}
	other := newTestBundle(t)
	if other.Cluster.ID == b.Cluster.ID || other.Cluster.Secret == b.Cluster.Secret {
		t.Errorf("two bundles share a cluster ID or secret")
	}
}

func TestRoundTrip(t *testing.T) {
	b := newTestBundle(t)
	data, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(data)
	if err != nil {
		t.Fatalf("Decode(Encode(b)) = %v", err)
	}
	if got.Cluster != b.Cluster || got.Tokens != b.Tokens ||
		!bytes.Equal(got.KubernetesEncryptionKey, b.KubernetesEncryptionKey) ||
		!got.Certs.OS.Certificate.Equal(b.Certs.OS.Certificate) ||
		!got.Certs.Etcd.PrivateKey.Equal(b.Certs.Etcd.PrivateKey) ||
		!got.Certs.ServiceAccount.Equal(b.Certs.ServiceAccount) {
		t.Errorf("Decode(Encode(b)) differs from b")
	}
}

func TestWriteFile(t *testing.T) {
	b := newTestBundle(t)
	path := filepath.Join(t.TempDir(), "secrets.yaml")
	if err := b.WriteFile(path, false); err != nil {
		t.Fatalf("WriteFile() = %v", err)
	}
	if runtime.GOOS != "windows" {
		if st, _ := os.Stat(path); st.Mode().Perm() != FileMode {
			t.Errorf("mode = %v, want %v", st.Mode().Perm(), FileMode)
		}
	}
	if err := newTestBundle(t).WriteFile(path, false); !errors.Is(err, fs.ErrExist) {
		t.Errorf("WriteFile(existing) = %v, want fs.ErrExist", err)
	}
	loaded, err := LoadFile(path)
	if err != nil {
		t.Fatalf("LoadFile() = %v", err)
	}
	if loaded.Cluster != b.Cluster {
		t.Errorf("file was overwritten without overwrite")
	}
}

func TestValidateToken(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"abcdef.0123456789abcdef", true},
		{"ABCDEF.0123456789abcdef", false},
		{"abcde.0123456789abcdef", false},
		{"abcdef.0123456789abcdef0", false},
		{"abcdef0123456789abcdef", false},
		{"abcdef.0123456789abcde!", false},
		{"", false},
	}
	for _, tt := range tests {
		if err := ValidateToken(tt.in); (err == nil) != tt.ok {
			t.Errorf("ValidateToken(%q) = %v, want ok=%v", tt.in, err, tt.ok)
		}
	}
}

// TestTokenAlphabet checks that many tokens use every character of the alphabet.
func TestTokenAlphabet(t *testing.T) {
	seen := map[rune]bool{}
	for range 200 {
		tok, err := NewToken()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range strings.ReplaceAll(tok, ".", "") {
			seen[r] = true
		}
	}
	if len(seen) != len(tokenAlphabet) {
		t.Errorf("200 tokens used %d distinct characters, want %d", len(seen), len(tokenAlphabet))
	}
}
