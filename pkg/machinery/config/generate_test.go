package config

import (
	"strings"
	"testing"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// TestGenerateGolden checks the generated configurations byte for byte against
// testdata/{controlplane,worker}.yaml.
func TestGenerateGolden(t *testing.T) {
	cp, w := testConfigs(t)
	for name, c := range map[string]*Config{"controlplane.yaml": cp, "worker.yaml": w} {
		data, err := c.Encode()
		if err != nil {
			t.Fatal(err)
		}
		golden(t, name, data)
	}
}

// TestGenerateWorkerHasNoKeys checks that a worker config carries no private key and no
// control-plane secret.
func TestGenerateWorkerHasNoKeys(t *testing.T) {
	_, w := testConfigs(t)
	data, err := w.Encode()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"key:", "aggregatorCA", "serviceAccount", "aescbcEncryptionSecret", "etcd"} {
		if strings.Contains(string(data), s) {
			t.Errorf("worker config contains %q:\n%s", s, data)
		}
	}
	b := testSecrets(t)
	if w.Machine.Token != b.Tokens.Join || w.Cluster.Token != b.Tokens.Bootstrap || w.Cluster.Secret != b.Cluster.Secret {
		t.Errorf("worker config lacks the join token, bootstrap token or cluster secret")
	}
}

func TestGenerateRejectsBadInput(t *testing.T) {
	in := testInput(t)
	in.ClusterName, in.Endpoint = "Bad_Name", "http://cp:6443"
	_, _, err := Generate(in)
	want := "generated controlplane config is invalid:\n" +
		`cluster.name: "Bad_Name" is not a valid DNS label` + "\n" +
		`cluster.controlPlane.endpoint: "http://cp:6443" must be https://host:port`
	if err == nil || err.Error() != want {
		t.Errorf("Generate() = %v, want %q", err, want)
	}
	if _, _, err := Generate(GenerateInput{ClusterName: "x"}); err == nil {
		t.Errorf("Generate() without secrets = nil error")
	}
}

// TestGenerateClientConfigGolden checks the generated cairnconfig (its certificate comes from
// a seeded random source) and that it carries an os:admin certificate signed by the OS CA.
func TestGenerateClientConfigGolden(t *testing.T) {
	in := testInput(t)
	seeded(t)
	cc, err := GenerateClientConfig(in)
	if err != nil {
		t.Fatal(err)
	}
	data, err := cc.Encode()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "cairnconfig", data)
	ctx := cc.Contexts["test"]
	if cc.Context != "test" || ctx == nil || len(ctx.Endpoints) != 1 || ctx.Endpoints[0] != "192.0.2.10" {
		t.Fatalf("GenerateClientConfig() = %+v, want context test with endpoint 192.0.2.10", cc)
	}
	cert, err := pki.ParseCertificate(ctx.Crt)
	if err != nil {
		t.Fatal(err)
	}
	if err := cert.CheckSignatureFrom(in.Secrets.Certs.OS.Certificate); err != nil {
		t.Errorf("client certificate is not signed by the OS CA: %v", err)
	}
	if got := cert.Subject.Organization; len(got) != 1 || got[0] != "os:admin" {
		t.Errorf("client certificate roles = %q, want [os:admin]", got)
	}
}

func TestNeedsControlPlane(t *testing.T) {
	cp, worker := testConfigs(t)
	encode := func(c *Config) []byte {
		data, err := c.Encode()
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	tests := []struct {
		name string
		data []byte
		want string
		ok   bool
	}{
		{"controlplane", encode(cp), "it holds control-plane keys (machine.ca.key, cluster.ca.key, cluster.aggregatorCA.key, cluster.serviceAccount.key, cluster.aescbcEncryptionSecret, cluster.etcd.ca.key)", true},
		{"worker", encode(worker), "", false},
		{"undecodable", []byte("machine: [\n"), "it cannot be decoded, so it may hold control-plane keys", true},
	}
	for _, tt := range tests {
		why, ok := NeedsControlPlane(tt.data)
		if why != tt.want || ok != tt.ok {
			t.Errorf("NeedsControlPlane(%s) = %q, %v; want %q, %v", tt.name, why, ok, tt.want, tt.ok)
		}
	}
}
