package kubepki

import (
	"crypto/x509"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

func TestAdminKubeconfig(t *testing.T) {
	c := newCluster(t)
	ca := c.cp.Cluster.CA
	data, err := AdminKubeconfig(AdminInput{ClusterName: "demo", Endpoint: "https://CP.example.org:6443/", KubernetesCA: ca, Now: testNow})
	if err != nil {
		t.Fatalf("AdminKubeconfig: %v", err)
	}
	kc := decodeKubeconfig(t, data)
	want := Kubeconfig{
		APIVersion: "v1", Kind: "Config",
		Clusters:       []NamedCluster{{Name: "demo", Cluster: Cluster{Server: "https://CP.example.org:6443", CertificateAuthorityData: ca.Crt}}},
		Contexts:       []NamedContext{{Name: "admin@demo", Context: Context{Cluster: "demo", User: "admin@demo"}}},
		CurrentContext: "admin@demo",
		Users:          []NamedUser{{Name: "admin@demo", User: kc.Users[0].User}},
	}
	if diff := cmp.Diff(want, kc); diff != "" {
		t.Errorf("admin kubeconfig (-want +got):\n%s", diff)
	}
	u := kc.Users[0].User
	kp, err := pki.ParseKeyPair(u.ClientCertificateData, u.ClientKeyData)
	if err != nil {
		t.Fatalf("client certificate and key: %v", err)
	}
	checkLeaf(t, "admin", kp.Certificate, wantLeaf{ca: c.bundle.Certs.Kubernetes, cn: "kubernetes-admin", org: []string{"kubeadm:cluster-admins"}, ekus: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	again, err := AdminKubeconfig(AdminInput{ClusterName: "demo", Endpoint: "https://cp.example.org:6443", KubernetesCA: ca, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if string(decodeKubeconfig(t, again).Users[0].User.ClientKeyData) == string(u.ClientKeyData) {
		t.Errorf("two calls gave the same key: each must issue a fresh one")
	}
}

func TestAdminKubeconfigRefusesBadInput(t *testing.T) {
	c := newCluster(t)
	tests := []struct {
		name  string
		in    AdminInput
		wants []string
	}{
		{"worker CA", AdminInput{ClusterName: "x", Endpoint: "https://cp:6443", KubernetesCA: c.worker.Cluster.CA}, []string{"kubernetes CA: key missing"}},
		{"everything", AdminInput{Endpoint: "http://cp", KubernetesCA: pki.PEMPair{}}, []string{"cluster name: empty", `endpoint "http://cp"`, "certificate missing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := AdminKubeconfig(tt.in)
			if !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("AdminKubeconfig = %v, want ErrInvalidInput", err)
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
