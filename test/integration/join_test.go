package integration

import (
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"

	"github.com/cairn-os/cairn/pkg/machinery/api/trust"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// join asks node-a's trustd, from the loopback address source, to sign a CSR for req with the
// join token.
func join(t *testing.T, source string, key *ecdsa.PrivateKey, req pki.Request) (*trust.CertificateResponse, error) {
	t.Helper()
	roots := x509.NewCertPool()
	roots.AddCert(shared.bundle.Certs.OS.Certificate)
	dial := func(ctx context.Context, a string) (net.Conn, error) {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(source)}}
		return d.DialContext(ctx, "tcp", a)
	}
	conn, err := grpc.NewClient("127.0.0.2:50001", grpc.WithContextDialer(dial),
		grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS13, RootCAs: roots})))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	csr, err := pki.NewCSR(key, req)
	if err != nil {
		t.Fatal(err)
	}
	return trust.NewTrustServiceClient(conn).Certificate(context.Background(), &trust.CertificateRequest{Csr: csr, Token: shared.bundle.Tokens.Join})
}

// TestJoinCertifiesOnlyTheSourceAddress: the join token buys a worker's certificate for the
// address the request comes from, never another node's address or name.
func TestJoinCertifiesOnlyTheSourceAddress(t *testing.T) {
	key, _ := pki.GenerateKey()
	for _, tt := range []struct {
		name string
		req  pki.Request
		want string
	}{
		{"another node's IP", pki.Request{CommonName: "fake", IPAddresses: []net.IP{net.ParseIP("127.0.0.3")}},
			"csr: invalid certificate request: IP address 127.0.0.3: a joining node may name only the address it connects from (127.0.0.9) and loopback"},
		{"another node's name", pki.Request{CommonName: "fake", DNSNames: []string{"node-b"}},
			`csr: invalid certificate request: DNS name "node-b": a joining node may name only itself ("fake") and localhost`},
	} {
		_, err := join(t, "127.0.0.9", key, tt.req)
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("join with %s: %v, want InvalidArgument %q", tt.name, err, tt.want)
		}
	}
	resp, err := join(t, "127.0.0.9", key, pki.Request{CommonName: "w9", DNSNames: []string{"w9"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.9")}})
	if err != nil {
		t.Fatalf("join naming its own address: %v", err)
	}
	leaf, err := pki.ParseCertificate(resp.GetCrt())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{pki.WorkerUnit}, leaf.Subject.OrganizationalUnit); diff != "" || pki.IsControlPlane(leaf) {
		t.Errorf("join certificate OU differs (-want +got):\n%s", diff)
	}
	if len(leaf.IPAddresses) != 1 || !leaf.IPAddresses[0].Equal(net.ParseIP("127.0.0.9")) {
		t.Errorf("join certificate IPs = %v, want [127.0.0.9]", leaf.IPAddresses)
	}
}

// TestControlPlaneConfigNeverReachesAWorker: neither cairnctl nor node-a's proxy sends a
// configuration holding CA keys to a node with a worker's certificate, even as a dry run; the
// worker never sees the call. A worker's configuration still goes through.
func TestControlPlaneConfigNeverReachesAWorker(t *testing.T) {
	_, workerCfg := startWorker(t)
	cpCfg := filepath.Join(shared.dir, "node-a.yaml")
	admin := shared.configs[role.Admin]
	wantFail(t, admin, []string{"apply-config", "--dry-run", "-f", cpCfg, "-e", "127.0.0.7"},
		`the endpoint's certificate is not a control-plane node's (it names "node-w": node-w, localhost, 127.0.0.7, 127.0.0.1, ::1): refusing to send it this configuration, since it holds control-plane keys (machine.ca.key, cluster.ca.key`)
	wantFail(t, admin, []string{"apply-config", "--dry-run", "-f", cpCfg, "-e", "127.0.0.2", "-n", "127.0.0.7"},
		"FailedPrecondition", `node "127.0.0.7" is not a control-plane node (its certificate is a worker's): the configuration is not forwarded to it, since it holds control-plane keys (machine.ca.key`)
	log := mustCtl(t, shared.configs[role.Auditor], "audit", "log", "-n", "127.0.0.7")
	if strings.Contains(log, "ApplyConfiguration") {
		t.Errorf("the worker saw an ApplyConfiguration:\n%s", log)
	}
	wantContains(t, "worker config through the proxy", mustCtl(t, admin, "apply-config", "--dry-run", "-f", workerCfg, "-n", "127.0.0.7"), "127.0.0.7: dry-run")
	wantContains(t, "control-plane config to a control-plane node", mustCtl(t, admin, "apply-config", "--dry-run", "-f", cpCfg, "-n", "127.0.0.3"), "127.0.0.3: dry-run")
}
