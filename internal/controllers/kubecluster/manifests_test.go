package kubecluster

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-os/cairn/internal/pkg/kubeapi"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var testInput = ManifestInput{
	BootstrapToken: "abcdef.0123456789abcdef",
	ServiceSubnets: []string{"10.96.0.0/12", "fd00:10:96::/108"},
	DNSDomain:      "cluster.local",
	Upstreams:      []netip.Addr{netip.MustParseAddr("192.0.2.53")},
}

func render(t *testing.T, in ManifestInput) []kubeapi.Object {
	t.Helper()
	ms, err := BootstrapManifests(in)
	if err != nil {
		t.Fatalf("BootstrapManifests: %v", err)
	}
	var objs []kubeapi.Object
	for i, m := range ms {
		o, err := kubeapi.DecodeManifest(m)
		if err != nil {
			t.Fatalf("manifest %d does not parse: %v\n%s", i, err, m)
		}
		objs = append(objs, o...)
	}
	return objs
}

func TestBootstrapManifestsGolden(t *testing.T) {
	ms, err := BootstrapManifests(testInput)
	if err != nil {
		t.Fatal(err)
	}
	got := bytes.Join(ms, []byte("---\n"))
	golden := filepath.Join("testdata", "bootstrap.yaml")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("BootstrapManifests differs from %s; run go test -update and review the diff", golden)
	}
}

// find returns the object of kind and name decoded into out.
func find(t *testing.T, objs []kubeapi.Object, kind, name string, out any) {
	t.Helper()
	for _, o := range objs {
		if o.Kind == kind && o.Name == name {
			if err := json.Unmarshal(o.JSON, out); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no %s %s among the manifests", kind, name)
}

func TestBootstrapManifestsCarryValues(t *testing.T) {
	in := testInput
	in.ServiceSubnets = []string{"172.16.0.0/16"}
	in.DNSDomain = "corp.example"
	in.Upstreams = nil
	objs := render(t, in)
	var svc struct {
		Spec struct {
			ClusterIP string `json:"clusterIP"`
		} `json:"spec"`
	}
	find(t, objs, "Service", "kube-dns", &svc)
	if svc.Spec.ClusterIP != "172.16.0.10" {
		t.Errorf("kube-dns clusterIP = %q, want 172.16.0.10", svc.Spec.ClusterIP)
	}
	var secret struct {
		Type string            `json:"type"`
		Data map[string][]byte `json:"data"`
	}
	find(t, objs, "Secret", "bootstrap-token-abcdef", &secret)
	if string(secret.Data["token-id"]) != "abcdef" || string(secret.Data["token-secret"]) != "0123456789abcdef" ||
		string(secret.Data["auth-extra-groups"]) != TokenGroup || secret.Type != "bootstrap.kubernetes.io/token" {
		t.Errorf("bootstrap token secret = %+v", secret)
	}
	var cm struct {
		Data map[string]string `json:"data"`
	}
	find(t, objs, "ConfigMap", "coredns", &cm)
	if !strings.Contains(cm.Data["Corefile"], "kubernetes corp.example in-addr.arpa") || strings.Contains(cm.Data["Corefile"], "forward") {
		t.Errorf("Corefile without upstreams:\n%s", cm.Data["Corefile"])
	}
}

func TestDNSIP(t *testing.T) {
	for _, tc := range []struct{ subnet, want string }{
		{"10.96.0.0/12", "10.96.0.10"},
		{"10.96.0.5/12", "10.96.0.10"},
		{"fd00:10:96::/108", "fd00:10:96::a"},
		{"10.0.0.0/28", "10.0.0.10"},
	} {
		if got, err := dnsIP([]string{tc.subnet}); err != nil || got.String() != tc.want {
			t.Errorf("dnsIP(%s) = %v, %v; want %s", tc.subnet, got, err, tc.want)
		}
	}
}

func TestBootstrapManifestsErrors(t *testing.T) {
	in := ManifestInput{BootstrapToken: "abcdef.0123456789abcdeX", ServiceSubnets: []string{"10.0.0.0/29"}, DNSDomain: "Cluster.Local", Upstreams: []netip.Addr{{}}}
	_, err := BootstrapManifests(in)
	for _, want := range []string{
		"cluster.token: token does not match",
		`cluster.network.serviceSubnets[0]: "10.0.0.0/29" has no address 10 for cluster DNS`,
		`cluster.network.dnsDomain: "Cluster.Local" is not a DNS domain`,
		"upstreams[0]: not an address",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("BootstrapManifests(bad) = %v, want an error containing %q", err, want)
		}
	}
	if err != nil && strings.Contains(err.Error(), "0123456789abcdeX") {
		t.Errorf("the error quotes the token's secret: %v", err)
	}
	for _, s := range [][]string{nil, {"10.0.0.0"}} {
		if _, err := BootstrapManifests(ManifestInput{BootstrapToken: testInput.BootstrapToken, DNSDomain: "a", ServiceSubnets: s}); err == nil || !strings.Contains(err.Error(), "cluster.network.serviceSubnets") {
			t.Errorf("BootstrapManifests(serviceSubnets %q) = %v, want an error naming the field", s, err)
		}
	}
}
