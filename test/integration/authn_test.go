package integration

import (
	"context"
	"crypto/tls"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/cairn-os/cairn/internal/app/apid/callmeta"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/audit"
	"github.com/cairn-os/cairn/pkg/machinery/client"
	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
	"github.com/cairn-os/cairn/pkg/machinery/role"
	"github.com/cairn-os/cairn/pkg/machinery/secrets"
)

// certConfig writes a cairnconfig presenting a certificate signed by ca for req, trusting the
// cluster's CA.
func certConfig(t *testing.T, ca *pki.KeyPair, req pki.Request) string {
	t.Helper()
	kp, err := ca.Issue(req)
	if err != nil {
		t.Fatal(err)
	}
	c := clientconfig.New()
	ctx := &clientconfig.Context{Endpoints: []string{"127.0.0.2"}, CA: shared.bundle.Certs.OS.CertPEM, Crt: kp.CertPEM, Key: kp.KeyPEM}
	if err := c.Add("x", ctx, false); err != nil {
		t.Fatal(err)
	}
	c.Context = "x"
	p := filepath.Join(t.TempDir(), "cairnconfig")
	if err := c.Save(p, true); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBadCertificates(t *testing.T) {
	other, err := secrets.New(secrets.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ca := shared.bundle.Certs.OS
	admin := []string{string(role.Admin)}
	tests := []struct {
		name string
		ca   *pki.KeyPair
		req  pki.Request
		want []string
	}{
		{"expired", ca, pki.Request{CommonName: "old-cert", Organization: admin, Usage: pki.ClientAuth, Now: time.Now().Add(-48 * time.Hour), TTL: time.Hour}, []string{"Unauthenticated", `client certificate "old-cert" expired at`}},
		{"wrong CA", other.Certs.OS, pki.Request{CommonName: "stranger", Organization: admin, Usage: pki.ClientAuth}, []string{"Unauthenticated", `client certificate "stranger" is not signed by this cluster's OS CA`}},
		{"no role", ca, pki.Request{CommonName: "nobody", Organization: []string{"os:nothing"}, Usage: pki.ClientAuth}, []string{"PermissionDenied", `client certificate "nobody" carries no known role`}},
		{"server-only usage", ca, pki.Request{CommonName: "server-only", Organization: admin, Usage: pki.ServerAuth}, []string{"Unauthenticated", `client certificate "server-only" lacks the ClientAuth extended key usage`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantFail(t, certConfig(t, tt.ca, tt.req), []string{"version"}, tt.want...)
		})
	}
	out := mustCtl(t, shared.configs[role.Auditor], "audit", "log")
	wantContains(t, "audit log of the refused certificates", out,
		"old-cert[os:admin] from 127.0.0.1", "/cairn.machine.MachineService/Version -> Unauthenticated",
		"nobody[] from", "-> PermissionDenied", "stranger[os:admin]", "server-only[os:admin]")
}

func TestRoles(t *testing.T) {
	c := shared.configs
	wantFail(t, c[role.Reader], []string{"reboot"}, "PermissionDenied", "/cairn.machine.MachineService/Reboot is not allowed for roles [os:reader]")
	wantFail(t, c[role.Auditor], []string{"services"}, "PermissionDenied")
	wantFail(t, c[role.Operator], []string{"apply-config", "--confirm"}, "PermissionDenied")
	wantFail(t, c[role.Operator], []string{"get", "mc"}, "PermissionDenied", "sensitive")
	wantFail(t, c[role.EtcdBackup], []string{"services"}, "PermissionDenied")
	wantFail(t, c[role.Reader], []string{"audit", "log"}, "PermissionDenied")
	mustCtl(t, c[role.EtcdBackup], "version")
	mustCtl(t, c[role.Auditor], "audit", "log")
	mustCtl(t, c[role.Operator], "services")

	reader := mustCtl(t, c[role.Reader], "get", "mc", "--help")
	wantContains(t, "help", reader, "Sensitive types")
	out := mustCtl(t, c[role.Admin], "get", "mc", "active", "-o", "yaml")
	wantContains(t, "admin sees keys", out, "key: LS0t")
}

// TestForgedCallerIgnored: an ordinary client cannot name another caller in the metadata that
// nodes use between themselves.
func TestForgedCallerIgnored(t *testing.T) {
	cl := adminClient(t, shared.configs[role.Reader])
	forged := callmeta.EncodeIdentity(audit.Identity{Subject: "mallory", Roles: []string{string(role.Admin)}})
	ctx := metadata.AppendToOutgoingContext(context.Background(), callmeta.Caller, forged)
	_, err := cl.Machine.Reboot(ctx, &common.Empty{})
	if status.Code(err) != codes.PermissionDenied {
		t.Fatalf("Reboot with a forged caller: %v, want PermissionDenied", err)
	}
	out := mustCtl(t, shared.configs[role.Admin], "audit", "log")
	if strings.Contains(out, "mallory") {
		t.Errorf("the audit log names the forged caller:\n%s", out)
	}
}

func adminClient(t *testing.T, cairnconfig string) *client.Client {
	t.Helper()
	cl, err := client.FromContext(roleContext(t, cairnconfig), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

func TestBadRequests(t *testing.T) {
	cl := adminClient(t, shared.configs[role.Admin])
	ctx := context.Background()
	_, err := cl.Machine.ApplyConfiguration(ctx, &machine.ApplyConfigurationRequest{Data: make([]byte, 5<<20), DryRun: true})
	if status.Code(err) != codes.ResourceExhausted {
		t.Errorf("5 MiB request: %v, want ResourceExhausted", err)
	}
	_, err = cl.Machine.Version(client.WithNodes(ctx, "127.0.0.2,,x"), &common.Empty{})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "nodes: empty node name") {
		t.Errorf("malformed nodes: %v, want InvalidArgument naming the empty node", err)
	}
	_, err = cl.Machine.ApplyConfiguration(ctx, &machine.ApplyConfigurationRequest{Data: []byte("{{{"), DryRun: true})
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("malformed config: %v, want InvalidArgument", err)
	}
	_, err = cl.Machine.GenerateClientConfiguration(ctx, &machine.GenerateClientConfigurationRequest{Name: "x", Roles: []string{string(role.NodeProxy)}})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), `unknown role "os:node-proxy"`) {
		t.Errorf("client certificate with the node-proxy role: %v, want InvalidArgument", err)
	}
	_, err = cl.Machine.Version(client.WithNodes(ctx, "127.0.0.9"), &common.Empty{})
	if status.Code(err) != codes.Unavailable {
		t.Errorf("proxy to a node that is down: %v, want Unavailable", err)
	}
	// TLS 1.2 is refused.
	tc := &tls.Config{MaxVersion: tls.VersionTLS12, InsecureSkipVerify: true}
	if conn, err := tls.Dial("tcp", "127.0.0.2:50000", tc); err == nil {
		conn.Close()
		t.Error("a TLS 1.2 handshake succeeded")
	}
}

func TestProxyErrorsPerNode(t *testing.T) {
	code, out, errOut := ctl(t, shared.configs[role.Reader], "version", "-n", "127.0.0.3,127.0.0.9")
	if code == 0 {
		t.Fatalf("version with one node down succeeded:\n%s", out)
	}
	wantContains(t, "version output", out, "Node 127.0.0.3 (node-b")
	wantContains(t, "version errors", errOut, "1 node(s) failed", "127.0.0.9: ")
}

func TestGetConfigurationRedaction(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		r        role.Role
		redacted bool
	}{{role.Reader, true}, {role.Operator, true}, {role.Admin, false}} {
		resp, err := adminClient(t, shared.configs[tt.r]).Machine.GetConfiguration(client.WithNodes(ctx, "127.0.0.3"), &common.Empty{})
		if err != nil {
			t.Fatalf("GetConfiguration as %s: %v", tt.r, err)
		}
		m := resp.GetMessages()[0]
		hasKey := strings.Contains(string(m.GetData()), "key: LS0t")
		if m.GetRedacted() != tt.redacted || hasKey == tt.redacted || m.GetMetadata().GetNode() != "127.0.0.3" {
			t.Errorf("GetConfiguration as %s: redacted=%v, shows a key=%v, node=%q", tt.r, m.GetRedacted(), hasKey, m.GetMetadata().GetNode())
		}
	}
	_, err := adminClient(t, shared.configs[role.Auditor]).Machine.GetConfiguration(ctx, &common.Empty{})
	if status.Code(err) != codes.PermissionDenied {
		t.Errorf("GetConfiguration as auditor: %v, want PermissionDenied", err)
	}
}

func TestNoClientCertificate(t *testing.T) {
	roots, err := clientconfig.ParseCAs(shared.bundle.Certs.OS.CertPEM)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := client.New([]string{"127.0.0.2"}, &tls.Config{MinVersion: tls.VersionTLS13, RootCAs: roots})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	_, err = cl.Machine.Version(context.Background(), &common.Empty{})
	if status.Code(err) != codes.Unauthenticated || !strings.Contains(err.Error(), "a client certificate is required") {
		t.Fatalf("Version without a client certificate: %v, want Unauthenticated", err)
	}
	wantContains(t, "audit of the anonymous call", mustCtl(t, shared.configs[role.Auditor], "audit", "log"),
		"(anonymous)[] from 127.0.0.1", "/cairn.machine.MachineService/Version -> Unauthenticated")
}
