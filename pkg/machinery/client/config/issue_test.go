package config

import (
	"crypto/x509"
	"slices"
	"testing"
	"time"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

func TestIssue(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	ca, err := pki.NewCA(pki.Request{CommonName: "cairn-os", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	ctx, err := Issue(ca, IssueRequest{Name: "alice", Roles: []role.Role{role.Reader, role.Auditor}, TTL: time.Hour, Now: now})
	if err != nil {
		t.Fatalf("Issue() = %v", err)
	}
	kp, err := pki.ParseKeyPair(ctx.Crt, ctx.Key)
	if err != nil {
		t.Fatal(err)
	}
	c := kp.Certificate
	if c.Subject.CommonName != "alice" || !slices.Equal(c.Subject.Organization, []string{"os:reader", "os:auditor"}) {
		t.Errorf("subject = %v, want CN=alice, O=[os:reader os:auditor]", c.Subject)
	}
	if !c.NotAfter.Equal(now.Add(time.Hour)) {
		t.Errorf("NotAfter = %v, want %v", c.NotAfter, now.Add(time.Hour))
	}
	if _, err := c.Verify(x509.VerifyOptions{Roots: ca.CertPool(), CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("client certificate does not verify for ClientAuth: %v", err)
	}
	for _, bad := range []IssueRequest{
		{Roles: []role.Role{role.Reader}, TTL: time.Hour},
		{Name: "a", TTL: time.Hour},
		{Name: "a", Roles: []role.Role{role.Reader}},
	} {
		if _, err := Issue(ca, bad); err == nil {
			t.Errorf("Issue(%+v) = nil error", bad)
		}
	}
}
