package kubeapi

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseKubeconfigInline(t *testing.T) {
	cl := clientCert(t, "admin", "kubeadm:cluster-admins")
	data := kubeconfigYAML("https://10.0.0.1:6443", ca(t).CertPEM, cl.CertPEM, cl.KeyPEM)
	cfg, err := ParseKubeconfig([]byte(data), "/nowhere")
	if err != nil {
		t.Fatalf("ParseKubeconfig: %v", err)
	}
	if cfg.Server != "https://10.0.0.1:6443" || string(cfg.CA) != string(ca(t).CertPEM) ||
		string(cfg.CertPEM) != string(cl.CertPEM) || string(cfg.KeyPEM) != string(cl.KeyPEM) || cfg.CertFile != "" {
		t.Errorf("ParseKubeconfig = %+v, want the inline server, CA and credentials", cfg)
	}
	if _, err := New(cfg); err != nil {
		t.Errorf("New(parsed) = %v", err)
	}
}

// The kubelet's kubeconfig names its rotating certificate file; a relative path is relative to
// the kubeconfig's directory.
func TestLoadKubeconfigFiles(t *testing.T) {
	dir := t.TempDir()
	cl := clientCert(t, "system:node:n1", "system:nodes")
	pem := append(append([]byte{}, cl.CertPEM...), cl.KeyPEM...)
	if err := os.MkdirAll(filepath.Join(dir, "pki"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pki", "kubelet-client-current.pem"), pem, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pki", "ca.crt"), ca(t).CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	kc := `apiVersion: v1
kind: Config
clusters:
- name: default-cluster
  cluster: {server: "https://127.0.0.1:6443", certificate-authority: pki/ca.crt}
contexts:
- name: default-context
  context: {cluster: default-cluster, namespace: default, user: default-auth}
current-context: default-context
users:
- name: default-auth
  user:
    client-certificate: pki/kubelet-client-current.pem
    client-key: /abs/kubelet-client-current.pem
`
	path := filepath.Join(dir, "kubelet.conf")
	if err := os.WriteFile(path, []byte(kc), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadKubeconfig(path)
	if err != nil {
		t.Fatalf("LoadKubeconfig: %v", err)
	}
	if want := filepath.Join(dir, "pki", "kubelet-client-current.pem"); cfg.CertFile != want || cfg.KeyFile != "/abs/kubelet-client-current.pem" {
		t.Errorf("CertFile, KeyFile = %q, %q; want %q, /abs/kubelet-client-current.pem", cfg.CertFile, cfg.KeyFile, want)
	}
	if want := filepath.Join(dir, "pki", "ca.crt"); cfg.CAFile != want || cfg.CA != nil {
		t.Errorf("CAFile = %q (CA %d bytes), want %q", cfg.CAFile, len(cfg.CA), want)
	}
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "/abs/kubelet-client-current.pem") {
		t.Errorf("New with a missing key file = %v, want an error naming it", err)
	}
	cfg.KeyFile = cfg.CertFile
	if _, err := New(cfg); err != nil {
		t.Errorf("New with the CA and credentials in files = %v", err)
	}
}

func TestParseKubeconfigErrors(t *testing.T) {
	good := kubeconfigYAML("https://10.0.0.1:6443", []byte("CA"), []byte("C"), []byte("K"))
	for _, tc := range []struct{ name, old, new, want string }{
		{"not yaml", "apiVersion: v1", "apiVersion: [", "parse kubeconfig"},
		{"http server", "https://10.0.0.1:6443", "http://10.0.0.1:6443", `clusters[0].cluster.server: "http://10.0.0.1:6443" is not an https URL`},
		{"no CA", "certificate-authority-data:", "certificate-authority-dat:", "clusters[0].cluster: no certificate-authority-data"},
		{"bad base64", "client-key-data: Sw==", "client-key-data: '!!'", "users[0].user.client-key-data: not base64"},
		{"unknown context", "current-context: admin@kubernetes", "current-context: other", `current-context: "other" names no context`},
		{"unknown user", "user: admin}", "user: nobody}", `user "nobody" not found`},
		{"half credentials", "    client-key-data: Sw==\n", "", "client-certificate-data and client-key-data go together"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := strings.Replace(good, tc.old, tc.new, 1)
			if data == good {
				t.Fatalf("replacement %q did not apply", tc.old)
			}
			_, err := ParseKubeconfig([]byte(data), "")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseKubeconfig = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
