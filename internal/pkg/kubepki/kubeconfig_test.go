package kubepki

import (
	"bytes"
	"crypto/x509"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

func TestRenderKubeconfigs(t *testing.T) {
	c := newCluster(t)
	tests := []struct {
		name, path, server, cn string
		org                    []string
		in                     Input
	}{
		{name: "admin", path: AdminConf, server: "https://cp.example.org:6443", cn: "kubernetes-admin", org: []string{"kubeadm:cluster-admins"}, in: c.cpIn},
		{name: "super-admin", path: SuperAdminConf, server: "https://cp.example.org:6443", cn: "kubernetes-super-admin", org: []string{"system:masters"}, in: c.cpIn},
		{name: "controller-manager", path: ControllerManagerConf, server: "https://127.0.0.1:6443", cn: "system:kube-controller-manager", in: c.cpIn},
		{name: "scheduler", path: SchedulerConf, server: "https://127.0.0.1:6443", cn: "system:kube-scheduler", in: c.cpIn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kc := decodeKubeconfig(t, render(t, tt.in)[tt.path].Data)
			checkKubeconfigShape(t, kc, tt.server, tt.cn, c.bundle.Certs.Kubernetes.CertPEM)
			u := kc.Users[0].User
			kp, err := pki.ParseKeyPair(u.ClientCertificateData, u.ClientKeyData)
			if err != nil {
				t.Fatalf("client certificate and key: %v", err)
			}
			checkLeaf(t, tt.name, kp.Certificate, wantLeaf{ca: c.bundle.Certs.Kubernetes, cn: tt.cn, org: tt.org, ekus: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
			if u.Token != "" {
				t.Errorf("user has a token besides its certificate")
			}
		})
	}
}

func TestRenderBootstrapKubeconfig(t *testing.T) {
	c := newCluster(t)
	tests := []struct {
		name, server string
		in           Input
	}{
		{name: "worker", server: "https://cp.example.org:6443", in: c.workIn},
		{name: "control plane", server: "https://127.0.0.1:6443", in: c.cpIn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kc := decodeKubeconfig(t, render(t, tt.in)[BootstrapKubeletConf].Data)
			checkKubeconfigShape(t, kc, tt.server, BootstrapUser, c.bundle.Certs.Kubernetes.CertPEM)
			want := User{Token: c.bundle.Tokens.Bootstrap}
			if diff := cmp.Diff(want, kc.Users[0].User); diff != "" {
				t.Errorf("bootstrap user (-want +got):\n%s", diff)
			}
		})
	}
}

// checkKubeconfigShape checks the cluster, context and user names, the server and the CA.
func checkKubeconfigShape(t *testing.T, kc Kubeconfig, server, user string, caPEM []byte) {
	t.Helper()
	want := Kubeconfig{
		APIVersion: "v1", Kind: "Config",
		Clusters:       []NamedCluster{{Name: "kubernetes", Cluster: Cluster{Server: server, CertificateAuthorityData: caPEM}}},
		Contexts:       []NamedContext{{Name: user + "@kubernetes", Context: Context{Cluster: "kubernetes", User: user}}},
		CurrentContext: user + "@kubernetes",
		Users:          []NamedUser{{Name: user, User: kc.Users[0].User}},
	}
	if diff := cmp.Diff(want, kc); diff != "" {
		t.Errorf("kubeconfig (-want +got):\n%s", diff)
	}
}

func TestKubeconfigYAMLFieldNames(t *testing.T) {
	data := render(t, newCluster(t).workIn)[BootstrapKubeletConf].Data
	for _, key := range []string{"apiVersion: v1\n", "kind: Config\n", "current-context: tls-bootstrap-token-user@kubernetes\n",
		"    cluster:\n      server: https://cp.example.org:6443\n      certificate-authority-data: LS0t", "      token: "} {
		if !bytes.Contains(data, []byte(key)) {
			t.Errorf("bootstrap kubeconfig lacks %q:\n%s", key, data)
		}
	}
}
