package kubepki

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

func TestRenderRefusesBadInput(t *testing.T) {
	c := newCluster(t)
	tests := []struct {
		name   string
		base   Input
		mutate func(*Input)
		want   []string
	}{
		{name: "control plane without CA key", base: c.cpIn, mutate: func(in *Input) { in.KubernetesCA.Key = nil },
			want: []string{"kubernetes CA: key missing"}},
		{name: "control plane without etcd and front-proxy CAs", base: c.cpIn, mutate: func(in *Input) { in.EtcdCA, in.FrontProxyCA = pki.PEMPair{}, pki.PEMPair{} },
			want: []string{"etcd CA: certificate missing", "front-proxy CA: certificate missing"}},
		{name: "CA key of another CA", base: c.cpIn, mutate: func(in *Input) { in.KubernetesCA.Key = c.bundle.Certs.Etcd.KeyPEM },
			want: []string{"kubernetes CA: private key does not match the certificate"}},
		{name: "leaf as CA", base: c.cpIn, mutate: func(in *Input) { in.EtcdCA = leafPair(t, c) },
			want: []string{`etcd CA: certificate "leaf" is not a CA`}},
		{name: "bad service CIDR", base: c.cpIn, mutate: func(in *Input) { in.ServiceSubnets = []string{"10.96.0.0/33", "10.0.0.1/32"} },
			want: []string{`service subnets[0] "10.96.0.0/33": not a CIDR`, `service subnets[1] "10.0.0.1/32": too small`}},
		{name: "no service CIDR", base: c.cpIn, mutate: func(in *Input) { in.ServiceSubnets = nil }, want: []string{"service subnets: none given"}},
		{name: "endpoint not a URL", base: c.cpIn, mutate: func(in *Input) { in.Endpoint = "cp.example.org:6443" },
			want: []string{`endpoint "cp.example.org:6443": not an https://host:port URL`}},
		{name: "endpoint without port", base: c.workIn, mutate: func(in *Input) { in.Endpoint = "https://cp.example.org" },
			want: []string{`endpoint "https://cp.example.org": not an https://host:port URL`}},
		{name: "endpoint host not a name", base: c.workIn, mutate: func(in *Input) { in.Endpoint = "https://cp_1:6443" }, want: []string{`endpoint "https://cp_1:6443"`}},
		{name: "endpoint with path", base: c.workIn, mutate: func(in *Input) { in.Endpoint = "https://cp:6443/api" },
			want: []string{`endpoint "https://cp:6443/api"`}},
		{name: "bad role", base: c.cpIn, mutate: func(in *Input) { in.Role = "master" }, want: []string{`role "master": want controlplane or worker`}},
		{name: "bad hostname and domain", base: c.cpIn, mutate: func(in *Input) { in.Hostname, in.DNSDomain = "CP_1", "" },
			want: []string{`hostname "CP_1": not a DNS name`, `dns domain "": not a DNS name`}},
		{name: "bad SAN and node IP", base: c.cpIn, mutate: func(in *Input) { in.CertSANs = []string{"bad name"}; in.NodeIPs = []netip.Addr{{}} },
			want: []string{`apiserver cert SANs[0] "bad name"`, `node IPs[0]`}},
		{name: "bad local port", base: c.cpIn, mutate: func(in *Input) { in.LocalAPIPort = 70000 }, want: []string{"local API port 70000"}},
		{name: "bad balancer port", base: c.workIn, mutate: func(in *Input) { in.BalancerPort = -1 }, want: []string{"balancer port -1"}},
		{name: "bad token", base: c.workIn, mutate: func(in *Input) { in.BootstrapToken = "secret-token" }, want: []string{"bootstrap token: token does not match"}},
		{name: "worker with CA key", base: c.workIn, mutate: func(in *Input) { in.KubernetesCA.Key = c.bundle.Certs.Kubernetes.KeyPEM },
			want: []string{"kubernetes CA key: a worker must not hold it"}},
		{name: "worker with control-plane secrets", base: c.workIn, mutate: func(in *Input) {
			in.EtcdCA, in.FrontProxyCA, in.ServiceAccountKey = c.cpIn.EtcdCA, c.cpIn.FrontProxyCA, c.cpIn.ServiceAccountKey
		}, want: []string{"etcd CA: a worker must not hold it", "front-proxy CA: a worker must not hold it", "service-account key: a worker must not hold it"}},
		{name: "control plane without service-account key", base: c.cpIn, mutate: func(in *Input) { in.ServiceAccountKey = nil },
			want: []string{"service-account key: no PEM private key block found"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.base
			tt.mutate(&in)
			files, err := Render(in)
			if !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("Render() = %d files, %v, want an error wrapping ErrInvalidInput", len(files), err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Render() = %v, want it to contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "PRIVATE KEY") || strings.Contains(err.Error(), "secret-token") {
				t.Errorf("Render() error repeats a secret: %v", err)
			}
		})
	}
}

// leafPair returns a leaf certificate and its key, which must not be accepted as a CA.
func leafPair(t *testing.T, c cluster) pki.PEMPair {
	t.Helper()
	kp, err := c.bundle.Certs.Etcd.Issue(pki.Request{CommonName: "leaf", Usage: pki.ClientAuth})
	if err != nil {
		t.Fatal(err)
	}
	return kp.PEMPair()
}
