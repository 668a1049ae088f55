package integration

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"

	"github.com/cairn-os/cairn/pkg/machinery/api/trust"
	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// TestWorkerJoinsThroughTrustd: a worker holds no CA key; it gets its API certificate from
// trustd on node-a with the join token, and proxying works in both directions.
func TestWorkerJoinsThroughTrustd(t *testing.T) {
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
	r := shared.configs[role.Reader]
	wantContains(t, "version through node-a", mustCtl(t, r, "version", "-n", "127.0.0.7"), "Node 127.0.0.7 (node-w")
	wantContains(t, "version through the worker", mustCtl(t, r, "version", "-e", "127.0.0.7", "-n", "127.0.0.2"), "Node 127.0.0.2 (node-a")
	wantFail(t, shared.configs[role.Admin], []string{"config", "new", filepath.Join(dir, "x"), "-e", "127.0.0.7"}, "FailedPrecondition", "does not hold the OS CA key")
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
}
