package apid

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/cairn-os/cairn/internal/app/apid/callmeta"
	"github.com/cairn-os/cairn/pkg/machinery/audit"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// call is what apid knows about one incoming call after authentication.
type call struct {
	// peer is whoever holds the TLS connection (a person, or another node's apid).
	peer audit.Identity
	// caller is the original caller: the peer itself, or the person a proxying node names.
	caller audit.Identity
	roles  []role.Role
	// via is the proxy the call came through, if any.
	via       []audit.Identity
	requestID string
	nodes     []string
	// desc is the called method, once serve has looked it up (the audit summary decodes the
	// request with it).
	desc protoreflect.MethodDescriptor
	// proxied is true when a node's apid forwarded the call to this node.
	proxied bool
	// verified is true once the peer's certificate verified against the cluster CA: until
	// then, its claims (subject, roles) are only what it presented, and the audit event says so.
	verified bool

	// notes are details for the audit event that the caller is not told (fan-out goroutines
	// add them concurrently).
	mu    sync.Mutex
	notes []string
}

// addNote adds a detail to the call's audit event.
func (c *call) addNote(n string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.notes = append(c.notes, n)
}

// note is the call's notes as one string.
func (c *call) note() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.notes, "; ")
}

// identify builds the identity of the TLS peer without judging it; authenticate judges it.
func identify(ctx context.Context) audit.Identity {
	id := audit.Identity{Subject: "(anonymous)"}
	p, ok := peer.FromContext(ctx)
	if !ok {
		return id
	}
	id.Address = p.Addr.String()
	ti, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok || len(ti.State.PeerCertificates) == 0 {
		return id
	}
	c := ti.State.PeerCertificates[0]
	id.Subject = c.Subject.CommonName
	id.Serial = c.SerialNumber.Text(16)
	id.Fingerprint = pki.Fingerprint(c)
	id.Roles = c.Subject.Organization
	return id
}

// verifyClient checks a client certificate against the cluster CA and says precisely what is
// wrong with it.
func verifyClient(ctx context.Context, creds *credentialSet, now time.Time) error {
	p, _ := peer.FromContext(ctx)
	ti, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok || len(ti.State.PeerCertificates) == 0 {
		return status.Error(codes.Unauthenticated, "a client certificate is required")
	}
	return verifyChain(ti.State.PeerCertificates, creds, now)
}

// verifyChain checks a client's certificate chain against the cluster CA.
func verifyChain(certs []*x509.Certificate, creds *credentialSet, now time.Time) error {
	if len(certs) == 0 || creds.ca == nil {
		return status.Error(codes.Unauthenticated, "a client certificate is required")
	}
	leaf := certs[0]
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{Roots: creds.ca, Intermediates: inter, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if err == nil {
		return nil
	}
	name := leaf.Subject.CommonName
	var inv x509.CertificateInvalidError
	var ua x509.UnknownAuthorityError
	switch {
	case errors.As(err, &inv) && inv.Reason == x509.Expired:
		if now.After(leaf.NotAfter) {
			return status.Errorf(codes.Unauthenticated, "client certificate %q expired at %s", name, leaf.NotAfter.UTC().Format(time.RFC3339))
		}
		return status.Errorf(codes.Unauthenticated, "client certificate %q is not valid before %s", name, leaf.NotBefore.UTC().Format(time.RFC3339))
	case errors.As(err, &inv) && inv.Reason == x509.IncompatibleUsage:
		return status.Errorf(codes.Unauthenticated, "client certificate %q lacks the ClientAuth extended key usage (its usages: %v)", name, extUsages(leaf))
	case errors.As(err, &ua):
		return status.Errorf(codes.Unauthenticated, "client certificate %q is not signed by this cluster's OS CA (issuer %q)", name, leaf.Issuer.CommonName)
	default:
		return status.Errorf(codes.Unauthenticated, "client certificate %q: %v", name, err)
	}
}

func extUsages(c *x509.Certificate) []string {
	var out []string
	for _, u := range c.ExtKeyUsage {
		switch u {
		case x509.ExtKeyUsageServerAuth:
			out = append(out, "ServerAuth")
		case x509.ExtKeyUsageClientAuth:
			out = append(out, "ClientAuth")
		default:
			out = append(out, fmt.Sprintf("%d", u))
		}
	}
	return out
}

// authenticate establishes the call's identities and roles, or fails with Unauthenticated,
// PermissionDenied or InvalidArgument.
func (s *server) authenticate(ctx context.Context, c *call, creds *credentialSet) error {
	md, _ := metadata.FromIncomingContext(ctx)
	nodes, err := callmeta.ParseNodes(md.Get(callmeta.Nodes))
	if err == nil {
		err = callmeta.CheckPorts(nodes, s.port)
	}
	if err != nil {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	c.nodes = nodes
	if creds.maintenance {
		if len(nodes) > 0 {
			return status.Error(codes.InvalidArgument, "this node is in maintenance mode and does not proxy to other nodes")
		}
		return nil
	}
	if err := verifyClient(ctx, creds, s.now()); err != nil {
		return err
	}
	c.verified = true
	if slices.Contains(c.peer.Roles, string(role.NodeProxy)) {
		return s.authenticateProxied(c, md)
	}
	peerRoles := role.FromOrganization(c.peer.Roles)
	c.roles = peerRoles
	c.caller.Roles = role.Strings(peerRoles)
	if len(peerRoles) == 0 {
		return status.Errorf(codes.PermissionDenied, "client certificate %q carries no known role (organization %q; known roles: %v)", c.peer.Subject, c.peer.Roles, role.Strings(role.All()))
	}
	return nil
}

// authenticateProxied trusts the caller named in the metadata because the peer is a node of
// this cluster (its certificate, from the cluster CA, carries the node-proxy role).
func (s *server) authenticateProxied(c *call, md metadata.MD) error {
	if len(c.nodes) > 0 {
		return status.Error(codes.InvalidArgument, "a proxied call must not name further nodes")
	}
	v := md.Get(callmeta.Caller)
	if len(v) != 1 {
		return status.Errorf(codes.InvalidArgument, "a proxied call must carry exactly one %s", callmeta.Caller)
	}
	orig, err := callmeta.DecodeIdentity(v[0])
	if err != nil {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	c.proxied = true
	c.via = []audit.Identity{c.peer}
	c.caller = orig
	c.roles = role.FromOrganization(orig.Roles)
	if r := md.Get(callmeta.RequestID); len(r) == 1 && len(r[0]) <= 64 {
		c.requestID = r[0]
	}
	if len(c.roles) == 0 {
		return status.Errorf(codes.PermissionDenied, "caller %q (via %q) carries no known role", orig.Subject, c.peer.Subject)
	}
	return nil
}
