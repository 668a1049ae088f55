package config

import (
	"bytes"
	"crypto/fips140"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"testing/cryptotest"
	"time"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
	"github.com/cairn-os/cairn/pkg/machinery/secrets"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// testNow is the fixed clock of the golden files.
var testNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// seeded makes crypto/rand deterministic, or skips the test on builds whose FIPS module
// ignores the seed.
func seeded(t *testing.T) {
	t.Helper()
	if fips140.Version() == "v1.0.0" {
		t.Skip("the Go Cryptographic Module v1.0.0 ignores testing/cryptotest.SetGlobalRandom")
	}
	cryptotest.SetGlobalRandom(t, 1)
}

// testSecrets returns the bundle in testdata/secrets.yaml, generated from a fixed seed and
// clock (regenerated with -update).
func testSecrets(t *testing.T) *secrets.Bundle {
	t.Helper()
	path := filepath.Join("testdata", "secrets.yaml")
	if *update {
		seeded(t)
		b, err := secrets.New(secrets.Options{Now: testNow})
		if err != nil {
			t.Fatal(err)
		}
		data, err := b.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b, err := secrets.LoadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	return b
}

// testInput is the GenerateInput of the golden configurations.
func testInput(t *testing.T) GenerateInput {
	return GenerateInput{
		ClusterName: "test", Endpoint: "https://192.0.2.10:6443", Secrets: testSecrets(t),
		InstallDisk: "/dev/vda", Now: testNow,
	}
}

// testConfigs returns freshly generated control-plane and worker configurations.
func testConfigs(t *testing.T) (controlplane, worker *Config) {
	t.Helper()
	cp, w, err := Generate(testInput(t))
	if err != nil {
		t.Fatalf("Generate() = %v", err)
	}
	return cp, w
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run go test -update if the change is intended); got:\n%s", path, got)
	}
}

// testPublicKey is a fixed PEM ECDSA P-256 public key (an image signing key's public half).
var testPublicKey = pki.PEMBytes(`-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE5H60ceyIoxEgR/4XvOF2Q8RxI/+z
hVwLGfXfH/lUXDw6nXZrVjIDUPX+9NrbpctR25/GR6F5WiTRTugK5T2nzA==
-----END PUBLIC KEY-----
`)
