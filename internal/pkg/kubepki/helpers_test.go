package kubepki

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"net/netip"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
	"github.com/cairn-os/cairn/pkg/machinery/secrets"
)

var (
	testNow     = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	testNodeIPs = []netip.Addr{netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("2001:db8::10")}
)

// cluster is a generated secrets bundle and the two configurations built from it.
type cluster struct {
	bundle       *secrets.Bundle
	cp, worker   *config.Config
	cpIn, workIn Input
}

var (
	clusterOnce sync.Once
	testCluster cluster
	clusterErr  error
)

// newCluster generates one cluster for the whole package (P-256 keys are cheap, but once is enough).
func newCluster(t testing.TB) cluster {
	t.Helper()
	clusterOnce.Do(func() {
		b, err := secrets.New(secrets.Options{Now: testNow.Add(-time.Hour)})
		if err != nil {
			clusterErr = err
			return
		}
		cp, w, err := config.Generate(config.GenerateInput{ClusterName: "test", Endpoint: "https://cp.example.org:6443", Secrets: b, Now: testNow})
		if err != nil {
			clusterErr = err
			return
		}
		cp, w = cp.WithDefaults(), w.WithDefaults()
		cpIn, wIn := FromConfig(cp, "cp-1", testNodeIPs), FromConfig(w, "worker-1", testNodeIPs[:1])
		cpIn.Now, wIn.Now = testNow, testNow
		testCluster = cluster{bundle: b, cp: cp, worker: w, cpIn: cpIn, workIn: wIn}
	})
	if clusterErr != nil {
		t.Fatalf("generate test cluster: %v", clusterErr)
	}
	return testCluster
}

// render calls Render and fails the test on an error.
func render(t *testing.T, in Input) map[string]File {
	t.Helper()
	files, err := Render(in)
	if err != nil {
		t.Fatalf("Render() = %v", err)
	}
	out := map[string]File{}
	for _, f := range files {
		if _, dup := out[f.Path]; dup {
			t.Errorf("Render() returns %s twice", f.Path)
		}
		out[f.Path] = f
	}
	return out
}

// decodeKubeconfig parses a kubeconfig strictly.
func decodeKubeconfig(t *testing.T, data []byte) Kubeconfig {
	t.Helper()
	var kc Kubeconfig
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&kc); err != nil {
		t.Fatalf("decode kubeconfig: %v\n%s", err, data)
	}
	if len(kc.Clusters) != 1 || len(kc.Users) != 1 || len(kc.Contexts) != 1 {
		t.Fatalf("kubeconfig has %d clusters, %d users, %d contexts, want one each", len(kc.Clusters), len(kc.Users), len(kc.Contexts))
	}
	return kc
}

// verify checks that c chains to ca for usage.
func verify(t *testing.T, name string, c *x509.Certificate, ca *pki.KeyPair, usage x509.ExtKeyUsage) {
	t.Helper()
	_, err := c.Verify(x509.VerifyOptions{Roots: ca.CertPool(), CurrentTime: testNow, KeyUsages: []x509.ExtKeyUsage{usage}})
	if err != nil {
		t.Errorf("%s: does not verify against %q for %v: %v", name, ca.Certificate.Subject.CommonName, usage, err)
	}
}

// caKeyForms are the encodings in which a CA private key could leak into a file.
func caKeyForms(t *testing.T, kp *pki.KeyPair) [][]byte {
	t.Helper()
	der, err := x509.MarshalECPrivateKey(kp.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	scalar, err := kp.PrivateKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return [][]byte{kp.KeyPEM, []byte(base64.StdEncoding.EncodeToString(kp.KeyPEM)), der, scalar}
}
