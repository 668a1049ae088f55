package integration

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/cairn-os/cairn/internal/app/apid/callmeta"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/api/trust"
	"github.com/cairn-os/cairn/pkg/machinery/audit"
	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// TestWorkerJoinsThroughTrustd: a worker holds no CA key; it gets its API certificate from
// trustd on node-a with the join token. A control-plane endpoint proxies to it; the worker, which
// holds no proxy certificate, refuses to proxy and says what to do instead.
func TestWorkerJoinsThroughTrustd(t *testing.T) {
	dir, _ := startWorker(t)
	r := shared.configs[role.Reader]
	wantContains(t, "version through node-a", mustCtl(t, r, "version", "-n", "127.0.0.7"), "Node 127.0.0.7 (node-w")
	wantFail(t, r, []string{"version", "-e", "127.0.0.7", "-n", "127.0.0.2"}, "FailedPrecondition", "is a worker and does not proxy", "control-plane node as the endpoint")
	wantFail(t, shared.configs[role.Admin], []string{"config", "new", filepath.Join(dir, "x"), "-e", "127.0.0.7"}, "FailedPrecondition", "does not hold the OS CA key")
}

// startWorker starts node-w, a worker on 127.0.0.7, and returns its directory and the path of
// its configuration.
func startWorker(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	_, w, err := config.Generate(config.GenerateInput{ClusterName: "it", Endpoint: "https://127.0.0.2:6443", Secrets: shared.bundle})
	if err != nil {
		t.Fatal(err)
	}
	w.Machine.Network.Hostname = "node-w"
	data, err := w.Encode()
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "worker.yaml")
	if err := os.WriteFile(cfg, data, 0o600); err != nil {
		t.Fatal(err)
	}
	n := startNode(t, "127.0.0.7", filepath.Join(dir, "state"), cfg)
	if err := waitReady(n, shared.configs[role.Admin]); err != nil {
		t.Fatal(err)
	}
	return dir, cfg
}

// TestJoinTokenBuysNoProxyRole: the join token is in every worker's configuration, so a
// certificate trustd signs for it must not let its holder speak for another caller.
func TestJoinTokenBuysNoProxyRole(t *testing.T) {
	roots := x509.NewCertPool()
	roots.AddCert(shared.bundle.Certs.OS.Certificate)
	tc := &tls.Config{MinVersion: tls.VersionTLS13, RootCAs: roots}
	key, _ := pki.GenerateKey()
	resp, err := join(t, "127.0.0.9", key, pki.Request{CommonName: "intruder", IPAddresses: []net.IP{net.IPv4(127, 0, 0, 9)}})
	if err != nil {
		t.Fatalf("Certificate with the join token: %v", err)
	}
	leaf, err := pki.ParseCertificate(resp.GetCrt())
	if err != nil {
		t.Fatal(err)
	}
	if len(leaf.Subject.Organization) != 0 || slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageClientAuth) {
		t.Fatalf("trustd signed O=%q usages=%v; want no role and no ClientAuth", leaf.Subject.Organization, leaf.ExtKeyUsage)
	}
	keyPEM := pki.EncodePrivateKey(key)
	pair, err := tls.X509KeyPair(resp.GetCrt(), keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	ctc := tc.Clone()
	ctc.Certificates = []tls.Certificate{pair}
	api, err := grpc.NewClient("127.0.0.2:50000", grpc.WithTransportCredentials(credentials.NewTLS(ctc)))
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	forged := callmeta.EncodeIdentity(audit.Identity{Subject: "mallory", Roles: []string{string(role.Admin)}})
	ctx := metadata.AppendToOutgoingContext(context.Background(), callmeta.Caller, forged)
	_, err = machine.NewMachineServiceClient(api).Reboot(ctx, &common.Empty{})
	if code := status.Code(err); code != codes.Unauthenticated && code != codes.PermissionDenied {
		t.Fatalf("Reboot with a join-token certificate and a forged caller: %v, want Unauthenticated or PermissionDenied", err)
	}
}

func TestTrustdRefusesABadToken(t *testing.T) {
	roots := x509.NewCertPool()
	roots.AddCert(shared.bundle.Certs.OS.Certificate)
	conn, err := grpc.NewClient("127.0.0.2:50001", grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS13, RootCAs: roots})))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	key, _ := pki.GenerateKey()
	csr, _ := pki.NewCSR(key, pki.Request{CommonName: "intruder"})
	_, err = trust.NewTrustServiceClient(conn).Certificate(context.Background(), &trust.CertificateRequest{Csr: csr, Token: "abcdef.0123456789abcdef"})
	if status.Code(err) != codes.PermissionDenied || !strings.Contains(err.Error(), "join token does not match") {
		t.Errorf("Certificate with a wrong token: %v, want PermissionDenied", err)
	}
	_, err = trust.NewTrustServiceClient(conn).Certificate(context.Background(), &trust.CertificateRequest{Csr: []byte("junk"), Token: shared.bundle.Tokens.Join})
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("Certificate with a junk CSR: %v, want InvalidArgument", err)
	}
	// Both requests are in node-a's audit log, named by their CSR and outcome; the token is not.
	log := mustCtl(t, shared.configs[role.Auditor], "audit", "log", "-n", "127.0.0.2")
	wantContains(t, "audit log", log, "intruder", "/cairn.trust.TrustService/Certificate -> PermissionDenied",
		"(unreadable CSR)", "/cairn.trust.TrustService/Certificate -> InvalidArgument")
	if strings.Contains(log, shared.bundle.Tokens.Join) || strings.Contains(log, "0123456789abcdef") {
		t.Errorf("the audit log shows a join token:\n%s", log)
	}
	wantContains(t, "audit verify", mustCtl(t, shared.configs[role.Auditor], "audit", "verify", "-n", "127.0.0.2"), "chain intact")
}
