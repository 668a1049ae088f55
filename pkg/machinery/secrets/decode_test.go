package secrets

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// mutate encodes a fresh bundle, lets edit change its YAML tree, and returns the result.
func mutate(t *testing.T, b *Bundle, edit func(doc map[string]any)) []byte {
	t.Helper()
	data, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc)
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func sub(doc map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		doc = doc[k].(map[string]any)
	}
	return doc
}

// TestDecodeRejects is a table of invalid bundles: each must fail naming every broken field,
// without repeating any secret value.
func TestDecodeRejects(t *testing.T) {
	b := newTestBundle(t)
	leaf, err := b.Certs.OS.Issue(pki.Request{CommonName: "leaf", Usage: pki.ClientAuth})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		edit   func(doc map[string]any)
		fields []string
	}{
		{"wrong version", func(d map[string]any) { d["version"] = "v2" }, []string{"version:"}},
		{"unknown field", func(d map[string]any) { d["extra"] = 1 }, []string{"field extra not found"}},
		{"unknown nested field", func(d map[string]any) { sub(d, "certs", "os")["pem"] = "x" }, []string{"field pem not found"}},
		{"missing cluster", func(d map[string]any) { delete(d, "cluster") }, []string{"cluster.id: is required", "cluster.secret: is required"}},
		{"short cluster secret", func(d map[string]any) { sub(d, "cluster")["secret"] = "c2hvcnQ=" }, []string{"cluster.secret: holds 5 bytes, want 32"}},
		{"cluster id not base64", func(d map[string]any) { sub(d, "cluster")["id"] = "!!!" }, []string{"cluster.id: is not valid base64"}},
		{"bad tokens", func(d map[string]any) {
			sub(d, "tokens")["bootstrap"] = "TOKEN.SECRETVALUE12345"
			delete(sub(d, "tokens"), "join")
		}, []string{"tokens.bootstrap: token does not match", "tokens.join: is required"}},
		{"bad encryption key", func(d map[string]any) { d["kubernetesEncryptionKey"] = "AAAA" }, []string{"kubernetesEncryptionKey: holds 3 bytes, want 32"}},
		{"missing CA key", func(d map[string]any) { delete(sub(d, "certs", "etcd"), "key") }, []string{"certs.etcd.key: is required"}},
		{"CA cert not base64", func(d map[string]any) { sub(d, "certs", "etcd")["crt"] = "%%%" }, []string{"not a base64 string of PEM text"}},
		{"garbage CA cert", func(d map[string]any) { sub(d, "certs", "kubernetes")["crt"] = b64([]byte("garbage")) }, []string{"certs.kubernetes.crt: no PEM CERTIFICATE block"}},
		{"mismatched CA key", func(d map[string]any) {
			sub(d, "certs", "os")["key"] = b64(b.Certs.Etcd.KeyPEM)
		}, []string{"certs.os.key: does not match the certificate"}},
		{"leaf as CA", func(d map[string]any) {
			sub(d, "certs", "frontProxy")["crt"] = b64(leaf.CertPEM)
			sub(d, "certs", "frontProxy")["key"] = b64(leaf.KeyPEM)
		}, []string{"certs.frontProxy.crt: is not a CA certificate"}},
		{"service account key is a cert", func(d map[string]any) {
			sub(d, "certs", "serviceAccount")["key"] = b64(b.Certs.OS.CertPEM)
		}, []string{"certs.serviceAccount.key:"}},
		{"missing service account", func(d map[string]any) { delete(sub(d, "certs"), "serviceAccount") }, []string{"certs.serviceAccount.key: is required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(mutate(t, b, tt.edit))
			if err == nil {
				t.Fatalf("Decode() = nil error, want errors naming %q", tt.fields)
			}
			for _, f := range tt.fields {
				if !strings.Contains(err.Error(), f) {
					t.Errorf("Decode() error does not mention %q:\n%v", f, err)
				}
			}
			for _, secret := range []string{b.Cluster.Secret, b.Tokens.Join, b64(b.Certs.OS.KeyPEM)} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("Decode() error repeats a secret:\n%v", err)
				}
			}
		})
	}
}

// TestDecodeCollectsAll checks that several problems are all reported, each as a FieldError.
func TestDecodeCollectsAll(t *testing.T) {
	_, err := Decode([]byte("version: v1alpha1\ncluster:\n  id: x\n"))
	if err == nil {
		t.Fatal("Decode(nearly empty) = nil error")
	}
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("Decode() error %v holds no FieldError", err)
	}
	if n := strings.Count(err.Error(), "\n"); n < 10 {
		t.Errorf("Decode() reported %d problems, want every missing field:\n%v", n, err)
	}
}

func TestDecodeShapes(t *testing.T) {
	golden, err := os.ReadFile(filepath.Join("testdata", "bundle.golden.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", "empty"},
		{"comment only", "# nothing\n", "empty"},
		{"not a map", "- a\n- b\n", "cannot unmarshal"},
		{"two documents", string(golden) + "---\nversion: v1alpha1\n", "more than one YAML document"},
		{"duplicate key", "version: v1alpha1\nversion: v1alpha1\n", "already defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Decode(%q) = %v, want an error containing %q", tt.in, err, tt.want)
			}
		})
	}
}

// FuzzDecode checks that Decode never panics and that whatever it accepts survives a round trip.
func FuzzDecode(f *testing.F) {
	if golden, err := os.ReadFile(filepath.Join("testdata", "bundle.golden.yaml")); err == nil {
		f.Add(golden)
	}
	f.Add([]byte("version: v1alpha1\n"))
	f.Add([]byte("certs: {os: {crt: eA==, key: eQ==}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Decode(data)
		if err != nil {
			return
		}
		enc, err := b.Encode()
		if err != nil {
			t.Fatalf("Encode(Decode(data)) = %v", err)
		}
		again, err := Decode(enc)
		if err != nil {
			t.Fatalf("Decode(Encode(Decode(data))) = %v", err)
		}
		if again.Cluster != b.Cluster || again.Tokens != b.Tokens {
			t.Fatalf("round trip changed the bundle")
		}
	})
}
