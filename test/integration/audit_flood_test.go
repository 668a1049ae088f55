package integration

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/api/trust"
	"github.com/cairn-os/cairn/pkg/machinery/audit"
	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
	"github.com/cairn-os/cairn/pkg/machinery/role"
	"github.com/cairn-os/cairn/pkg/machinery/secrets"
)

// floodSource is the loopback address the refused calls come from, apart from the other tests'.
const floodSource, joinFloodSource = "127.0.0.66", "127.0.0.67"

// foreignConn connects to node-a from floodSource with a client certificate from another CA
// whose Organization list is about 50 KB.
func foreignConn(t *testing.T) machine.MachineServiceClient {
	t.Helper()
	other, err := secrets.New(secrets.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var orgs []string
	for i := 0; i < 500; i++ {
		orgs = append(orgs, fmt.Sprintf("os:admin-%03d-%s", i, strings.Repeat("x", 86)))
	}
	kp, err := other.Certs.OS.Issue(pki.Request{CommonName: "flooder", Organization: orgs, Usage: pki.ClientAuth})
	if err != nil {
		t.Fatal(err)
	}
	roots, err := clientconfig.ParseCAs(shared.bundle.Certs.OS.CertPEM)
	if err != nil {
		t.Fatal(err)
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS13, RootCAs: roots, ServerName: "127.0.0.2", Certificates: []tls.Certificate{kp.TLSCertificate()}}
	return machine.NewMachineServiceClient(dialFrom(t, floodSource, "127.0.0.2:50000", tc))
}

// dialFrom connects to target from the loopback address source.
func dialFrom(t *testing.T, source, target string, tc *tls.Config) *grpc.ClientConn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(source)}}
	conn, err := grpc.NewClient("passthrough:///"+target,
		grpc.WithTransportCredentials(credentials.NewTLS(tc)),
		grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// TestAuditFloodKeepsAuthenticatedHistory: hundreds of calls refused for a certificate from a
// foreign CA with a 50 KB Organization list neither push the authenticated history out of the
// log nor go unrecorded: they are counted in an aggregate in the chain, which verifies.
func TestAuditFloodKeepsAuthenticatedHistory(t *testing.T) {
	auditor := shared.configs[role.Auditor]
	mustCtl(t, shared.configs[role.Reader], "services", "-n", "127.0.0.2")
	before := decodeEvents(t, mustCtl(t, auditor, "audit", "log", "-n", "127.0.0.2", "-o", "json"))

	mc := foreignConn(t)
	const calls = 400
	for i := 0; i < calls; i++ {
		_, err := mc.Version(context.Background(), &common.Empty{})
		if status.Code(err) != codes.Unauthenticated {
			t.Fatalf("call %d with a foreign certificate: %v, want Unauthenticated", i, err)
		}
	}

	after := decodeEvents(t, mustCtl(t, auditor, "audit", "log", "-n", "127.0.0.2", "-o", "json"))
	if after[0].Seq != before[0].Seq || after[0].Hash != before[0].Hash {
		t.Errorf("the log now starts at seq %d, before the flood at %d: authenticated history was pushed out", after[0].Seq, before[0].Seq)
	}
	var full, counted uint64
	for _, e := range after {
		switch {
		case e.Kind == audit.KindCall && e.Caller.Subject == "flooder":
			full++
			if !e.Unverified || !e.Truncated || len(e.Caller.Roles) > 8 {
				t.Errorf("refused event %d: unverified %v, truncated %v, %d roles; want unverified, truncated, at most 8 roles", e.Seq, e.Unverified, e.Truncated, len(e.Caller.Roles))
			}
		case e.Kind == audit.KindRefusals && e.Refusals.Source == floodSource:
			counted += e.Refusals.Count
		}
	}
	if full+counted != calls || counted == 0 {
		t.Errorf("%d refused calls written in full and %d counted in aggregates, want %d in all, most counted", full, counted, calls)
	}
	out := mustCtl(t, auditor, "audit", "verify", "-n", "127.0.0.2")
	wantContains(t, "audit verify after the flood", out, "127.0.0.2: OK", "chain intact", "signed by the node",
		"refused unauthenticated calls counted in aggregates:")
	wantContains(t, "audit log of the aggregate", mustCtl(t, auditor, "audit", "log", "-n", "127.0.0.2"),
		"refused calls from "+floodSource+" without a verified certificate", "subjects flooder")
}

// TestAuditJoinFloodKeepsHistory: join requests with a wrong token and a CSR naming ~45 KB of
// DNS names, sent hundreds of times from one source, are counted rather than written one by
// one, and do not push the history out.
func TestAuditJoinFloodKeepsHistory(t *testing.T) {
	auditor := shared.configs[role.Auditor]
	before := decodeEvents(t, mustCtl(t, auditor, "audit", "log", "-n", "127.0.0.2", "-o", "json"))
	var names []string
	for i := 0; i < 500; i++ {
		names = append(names, fmt.Sprintf("n%03d-%s.example.org", i, strings.Repeat("d", 60)))
	}
	key, err := pki.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	csr, err := pki.NewCSR(key, pki.Request{CommonName: "joiner", DNSNames: names})
	if err != nil {
		t.Fatal(err)
	}
	roots, err := clientconfig.ParseCAs(shared.bundle.Certs.OS.CertPEM)
	if err != nil {
		t.Fatal(err)
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS13, RootCAs: roots, ServerName: "127.0.0.2"}
	tsc := trust.NewTrustServiceClient(dialFrom(t, joinFloodSource, "127.0.0.2:50001", tc))
	const calls = 400
	for i := 0; i < calls; i++ {
		_, err := tsc.Certificate(context.Background(), &trust.CertificateRequest{Csr: csr, Token: "abcdef.0123456789abcdef"})
		if status.Code(err) != codes.PermissionDenied {
			t.Fatalf("join request %d with a wrong token: %v, want PermissionDenied", i, err)
		}
	}
	after := decodeEvents(t, mustCtl(t, auditor, "audit", "log", "-n", "127.0.0.2", "-o", "json"))
	if after[0].Seq != before[0].Seq {
		t.Errorf("the log now starts at seq %d, before the flood at %d: history was pushed out", after[0].Seq, before[0].Seq)
	}
	var counted uint64
	for _, e := range after {
		if e.Kind == audit.KindRefusals && e.Refusals.Source == joinFloodSource {
			counted += e.Refusals.Count
		}
	}
	if counted == 0 {
		t.Errorf("no aggregate counts the refused join requests from %s", joinFloodSource)
	}
	wantContains(t, "audit verify after the join flood", mustCtl(t, auditor, "audit", "verify", "-n", "127.0.0.2"), "127.0.0.2: OK")
}

func decodeEvents(t *testing.T, jsonLines string) []audit.Event {
	t.Helper()
	var out []audit.Event
	for _, line := range strings.Split(strings.TrimSpace(jsonLines), "\n") {
		e, err := audit.Decode([]byte(line))
		if err != nil {
			t.Fatalf("decode %q: %v", line, err)
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		t.Fatal("the audit log is empty")
	}
	return out
}
