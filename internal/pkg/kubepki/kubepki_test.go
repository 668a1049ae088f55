package kubepki

import (
	"bytes"
	"crypto/x509"
	"io/fs"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

func TestRenderPathsAndModes(t *testing.T) {
	c := newCluster(t)
	tests := []struct {
		name string
		in   Input
		want map[string]fs.FileMode
	}{
		{name: "worker", in: c.workIn, want: map[string]fs.FileMode{
			"/etc/kubernetes": ModeDir, "/etc/kubernetes/pki": ModeDir,
			"/etc/kubernetes/pki/ca.crt": 0o644, "/etc/kubernetes/bootstrap-kubelet.conf": 0o600,
		}},
		{name: "control plane", in: c.cpIn, want: map[string]fs.FileMode{
			"/etc/kubernetes": ModeDir, "/etc/kubernetes/pki": ModeDir, "/etc/kubernetes/pki/etcd": ModeDir,
			"/etc/kubernetes/pki/ca.crt": 0o644, "/etc/kubernetes/pki/ca.key": 0o600,
			"/etc/kubernetes/pki/front-proxy-ca.crt": 0o644, "/etc/kubernetes/pki/etcd/ca.crt": 0o644,
			"/etc/kubernetes/pki/sa.key": 0o600, "/etc/kubernetes/pki/sa.pub": 0o644,
			"/etc/kubernetes/pki/apiserver.crt": 0o644, "/etc/kubernetes/pki/apiserver.key": 0o600,
			"/etc/kubernetes/pki/apiserver-kubelet-client.crt": 0o644, "/etc/kubernetes/pki/apiserver-kubelet-client.key": 0o600,
			"/etc/kubernetes/pki/apiserver-etcd-client.crt": 0o644, "/etc/kubernetes/pki/apiserver-etcd-client.key": 0o600,
			"/etc/kubernetes/pki/front-proxy-client.crt": 0o644, "/etc/kubernetes/pki/front-proxy-client.key": 0o600,
			"/etc/kubernetes/pki/etcd/server.crt": 0o644, "/etc/kubernetes/pki/etcd/server.key": 0o600,
			"/etc/kubernetes/pki/etcd/peer.crt": 0o644, "/etc/kubernetes/pki/etcd/peer.key": 0o600,
			"/etc/kubernetes/pki/etcd/healthcheck-client.crt": 0o644, "/etc/kubernetes/pki/etcd/healthcheck-client.key": 0o600,
			"/etc/kubernetes/pki/controller-manager.crt": 0o644, "/etc/kubernetes/pki/controller-manager.key": 0o600,
			"/etc/kubernetes/pki/scheduler.crt": 0o644, "/etc/kubernetes/pki/scheduler.key": 0o600,
			"/etc/kubernetes/admin.conf": 0o600, "/etc/kubernetes/super-admin.conf": 0o600,
			"/etc/kubernetes/controller-manager.conf": 0o600, "/etc/kubernetes/scheduler.conf": 0o600,
			"/etc/kubernetes/bootstrap-kubelet.conf": 0o600,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string]fs.FileMode{}
			for p, f := range render(t, tt.in) {
				got[p] = f.Mode
				if f.Mode.IsDir() != (len(f.Data) == 0) {
					t.Errorf("%s: mode %v with %d bytes of data", p, f.Mode, len(f.Data))
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Render() paths and modes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRenderDirectoriesFirst(t *testing.T) {
	files, err := Render(newCluster(t).cpIn)
	if err != nil {
		t.Fatalf("Render() = %v", err)
	}
	created := map[string]bool{"/etc": true}
	for _, f := range files {
		parent := f.Path[:strings.LastIndex(f.Path, "/")]
		if !created[parent] {
			t.Errorf("%s comes before its directory %s", f.Path, parent)
		}
		if f.Mode.IsDir() {
			created[f.Path] = true
		}
	}
}

// wantLeaf is what a leaf certificate must say.
type wantLeaf struct {
	ca    *pki.KeyPair
	cn    string
	org   []string
	ekus  []x509.ExtKeyUsage
	names []string
	ips   []string
}

func TestRenderControlPlaneCertificates(t *testing.T) {
	c := newCluster(t)
	k, etcd, front := c.bundle.Certs.Kubernetes, c.bundle.Certs.Etcd, c.bundle.Certs.FrontProxy
	server, client := x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth
	etcdNames, etcdIPs := []string{"cp-1", "localhost"}, []string{"127.0.0.1", "::1", "192.0.2.10", "2001:db8::10"}
	tests := map[string]wantLeaf{
		"apiserver": {ca: k, cn: "kube-apiserver", ekus: []x509.ExtKeyUsage{server},
			names: []string{"kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "localhost", "cp-1", "cp.example.org"},
			ips:   []string{"127.0.0.1", "10.96.0.1", "192.0.2.10", "2001:db8::10"}},
		"apiserver-kubelet-client": {ca: k, cn: "kube-apiserver-kubelet-client", org: []string{"kubeadm:cluster-admins"}, ekus: []x509.ExtKeyUsage{client}},
		"apiserver-etcd-client":    {ca: etcd, cn: "kube-apiserver-etcd-client", ekus: []x509.ExtKeyUsage{client}},
		"front-proxy-client":       {ca: front, cn: "front-proxy-client", ekus: []x509.ExtKeyUsage{client}},
		"etcd/server":              {ca: etcd, cn: "cp-1", ekus: []x509.ExtKeyUsage{server, client}, names: etcdNames, ips: etcdIPs},
		"etcd/peer":                {ca: etcd, cn: "cp-1", ekus: []x509.ExtKeyUsage{server, client}, names: etcdNames, ips: etcdIPs},
		"etcd/healthcheck-client":  {ca: etcd, cn: "kube-etcd-healthcheck-client", ekus: []x509.ExtKeyUsage{client}},
		"controller-manager":       {ca: k, cn: "kube-controller-manager", ekus: []x509.ExtKeyUsage{server}, names: []string{"localhost"}, ips: []string{"127.0.0.1", "::1"}},
		"scheduler":                {ca: k, cn: "kube-scheduler", ekus: []x509.ExtKeyUsage{server}, names: []string{"localhost"}, ips: []string{"127.0.0.1", "::1"}},
	}
	files := render(t, c.cpIn)
	for base, want := range tests {
		t.Run(base, func(t *testing.T) {
			kp, err := pki.ParseKeyPair(files["/etc/kubernetes/pki/"+base+".crt"].Data, files["/etc/kubernetes/pki/"+base+".key"].Data)
			if err != nil {
				t.Fatalf("ParseKeyPair(%s) = %v", base, err)
			}
			checkLeaf(t, base, kp.Certificate, want)
		})
	}
}

// checkLeaf checks a leaf certificate's issuer, subject, names, usages and validity.
func checkLeaf(t *testing.T, name string, cert *x509.Certificate, want wantLeaf) {
	t.Helper()
	for _, eku := range want.ekus {
		verify(t, name, cert, want.ca, eku)
	}
	var ips []string
	for _, ip := range cert.IPAddresses {
		ips = append(ips, ip.String())
	}
	got := wantLeaf{ca: want.ca, cn: cert.Subject.CommonName, org: cert.Subject.Organization, ekus: cert.ExtKeyUsage, names: cert.DNSNames, ips: ips}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(wantLeaf{}), cmp.Comparer(func(a, b *pki.KeyPair) bool { return a == b })); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
	if cert.IsCA || cert.KeyUsage != x509.KeyUsageDigitalSignature {
		t.Errorf("%s: IsCA %v, KeyUsage %v, want a leaf with DigitalSignature only", name, cert.IsCA, cert.KeyUsage)
	}
	if !cert.NotBefore.Equal(testNow.Add(-pki.Backdate)) || !cert.NotAfter.Equal(testNow.Add(pki.DefaultLeafTTL)) {
		t.Errorf("%s: valid %s to %s, want %s to %s", name, cert.NotBefore, cert.NotAfter, testNow.Add(-pki.Backdate), testNow.Add(pki.DefaultLeafTTL))
	}
}

func TestRenderServiceAccountKey(t *testing.T) {
	c := newCluster(t)
	files := render(t, c.cpIn)
	key, err := pki.ParsePrivateKey(files["/etc/kubernetes/pki/sa.key"].Data)
	if err != nil {
		t.Fatalf("ParsePrivateKey(sa.key) = %v", err)
	}
	if !key.Equal(c.bundle.Certs.ServiceAccount) {
		t.Errorf("sa.key is not the bundle's service-account key")
	}
	pub, err := pki.EncodePublicKey(&c.bundle.Certs.ServiceAccount.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if got := files["/etc/kubernetes/pki/sa.pub"].Data; !bytes.Equal(got, pub) {
		t.Errorf("sa.pub = %q, want %q", got, pub)
	}
}

func TestRenderCACertificates(t *testing.T) {
	c := newCluster(t)
	certs := c.bundle.Certs
	files := render(t, c.cpIn)
	for path, want := range map[string][]byte{
		"/etc/kubernetes/pki/ca.crt": certs.Kubernetes.CertPEM, "/etc/kubernetes/pki/ca.key": certs.Kubernetes.KeyPEM,
		"/etc/kubernetes/pki/etcd/ca.crt": certs.Etcd.CertPEM, "/etc/kubernetes/pki/front-proxy-ca.crt": certs.FrontProxy.CertPEM,
	} {
		if !bytes.Equal(files[path].Data, want) {
			t.Errorf("%s differs from the bundle's", path)
		}
	}
	if got := render(t, c.workIn)["/etc/kubernetes/pki/ca.crt"].Data; !bytes.Equal(got, certs.Kubernetes.CertPEM) {
		t.Errorf("worker ca.crt differs from the bundle's")
	}
}

func TestRenderCAKeysOnlyWhereKubeadmNeedsThem(t *testing.T) {
	c := newCluster(t)
	certs := c.bundle.Certs
	cas := map[string]*pki.KeyPair{"kubernetes": certs.Kubernetes, "etcd": certs.Etcd, "front-proxy": certs.FrontProxy, "os": certs.OS}
	tests := []struct {
		name    string
		in      Input
		allowed map[string]string // CA name -> the one path that may hold its key
	}{
		{name: "worker", in: c.workIn},
		{name: "control plane", in: c.cpIn, allowed: map[string]string{"kubernetes": "/etc/kubernetes/pki/ca.key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for path, f := range render(t, tt.in) {
				for name, ca := range cas {
					if path == tt.allowed[name] {
						continue
					}
					for _, form := range caKeyForms(t, ca) {
						if bytes.Contains(f.Data, form) {
							t.Errorf("%s holds the %s CA private key", path, name)
						}
					}
				}
			}
		})
	}
}

func TestRenderWorkerHoldsNoPrivateKey(t *testing.T) {
	for path, f := range render(t, newCluster(t).workIn) {
		if bytes.Contains(f.Data, []byte("PRIVATE KEY")) || bytes.Contains(f.Data, []byte("client-key-data")) {
			t.Errorf("worker file %s holds a private key", path)
		}
	}
}

func TestRenderExtraSANsAndServiceIPs(t *testing.T) {
	in := newCluster(t).cpIn
	in.CertSANs = []string{"k8s.example.org", "198.51.100.7"}
	in.ServiceSubnets = []string{"10.100.0.0/16", "fd00:10::/108"}
	in.Endpoint = "https://203.0.113.5:443"
	cert, err := pki.ParseCertificate(render(t, in)["/etc/kubernetes/pki/apiserver.crt"].Data)
	if err != nil {
		t.Fatal(err)
	}
	for _, ip := range []string{"10.100.0.1", "fd00:10::1", "203.0.113.5", "198.51.100.7"} {
		if !slices.ContainsFunc(cert.IPAddresses, func(a net.IP) bool { return a.Equal(net.ParseIP(ip)) }) {
			t.Errorf("apiserver IP SANs %v lack %s", cert.IPAddresses, ip)
		}
	}
	if !slices.Contains(cert.DNSNames, "k8s.example.org") || slices.Contains(cert.DNSNames, "cp.example.org") {
		t.Errorf("apiserver DNS SANs = %v, want k8s.example.org and not the old endpoint", cert.DNSNames)
	}
}

func TestRenderLeafLifetime(t *testing.T) {
	c := newCluster(t)
	caEnd := c.bundle.Certs.Kubernetes.Certificate.NotAfter
	tests := []struct {
		name string
		ttl  time.Duration
		want time.Time
	}{
		{name: "default one year", want: testNow.Add(pki.DefaultLeafTTL)},
		{name: "one day", ttl: 24 * time.Hour, want: testNow.Add(24 * time.Hour)},
		{name: "never outlives the CA", ttl: 20 * 365 * 24 * time.Hour, want: caEnd},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := c.cpIn
			in.TTL = tt.ttl
			for _, p := range []string{"/etc/kubernetes/pki/apiserver.crt", "/etc/kubernetes/pki/etcd/peer.crt"} {
				cert, err := pki.ParseCertificate(render(t, in)[p].Data)
				if err != nil {
					t.Fatal(err)
				}
				if !cert.NotAfter.Equal(tt.want) {
					t.Errorf("%s NotAfter = %s, want %s", p, cert.NotAfter, tt.want)
				}
			}
		})
	}
}

func TestRenderLowercasesNames(t *testing.T) {
	in := newCluster(t).cpIn
	sans := []string{"K8S.Example.org"}
	in.Hostname, in.Endpoint, in.CertSANs = "CP-1", "https://CP.Example.org:6443", sans
	files := render(t, in)
	api, err := pki.ParseCertificate(files["/etc/kubernetes/pki/apiserver.crt"].Data)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"cp-1", "cp.example.org", "k8s.example.org"} {
		if !slices.Contains(api.DNSNames, n) {
			t.Errorf("apiserver DNS SANs %v lack %s", api.DNSNames, n)
		}
	}
	etcd, err := pki.ParseCertificate(files["/etc/kubernetes/pki/etcd/server.crt"].Data)
	if err != nil {
		t.Fatal(err)
	}
	if etcd.Subject.CommonName != "cp-1" {
		t.Errorf("etcd server CN = %q, want cp-1", etcd.Subject.CommonName)
	}
	if sans[0] != "K8S.Example.org" {
		t.Errorf("Render changed the caller's CertSANs to %v", sans)
	}
}

// TestWorkerBootstrapThroughBalancer: with a balancer port, a worker's kubelet bootstraps
// through 127.0.0.1 (the node's load balancer, so that any one control plane may be down);
// without one, straight to the endpoint.
func TestWorkerBootstrapThroughBalancer(t *testing.T) {
	c := newCluster(t)
	in := c.workIn
	server := func(in Input) string {
		t.Helper()
		f := render(t, in)[BootstrapKubeletConf]
		return decodeKubeconfig(t, f.Data).Clusters[0].Cluster.Server
	}
	if got := server(in); got != in.Endpoint {
		t.Errorf("without a balancer the worker bootstraps to %q, want the endpoint %q", got, in.Endpoint)
	}
	in.BalancerPort = 7445
	if got := server(in); got != "https://127.0.0.1:7445" {
		t.Errorf("with a balancer the worker bootstraps to %q, want https://127.0.0.1:7445", got)
	}
}
