package trustd

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/cairn-os/cairn/pkg/machinery/api/node"
	"github.com/cairn-os/cairn/pkg/machinery/api/trust"
	"github.com/cairn-os/cairn/pkg/machinery/audit"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

const certificateMethod = "/cairn.trust.TrustService/Certificate"

// joinNote says how a join request is authenticated, since its caller has no certificate.
const joinNote = "join request: authenticated by the join token, not a client certificate"

// record writes the audit event of one join request through machined, which owns the audit
// log. The token is never recorded; the caller is named by its CSR and its address.
func (s *server) record(ctx context.Context, r *trust.CertificateRequest, start time.Time, callErr error) {
	caller, args := describeJoin(ctx, r.GetCsr())
	ev := audit.Event{
		Time: start, Kind: audit.KindCall, Node: s.hostname.Load().(string),
		Caller: caller, Method: certificateMethod,
		Code: status.Code(callErr).String(), Duration: int64(time.Since(start)),
		Args: args, Note: joinNote,
		// A refused join request proved nothing: its CSR's claims are the requester's to
		// choose, so the log bounds them and counts repeated refusals per source.
		Unverified: callErr != nil,
	}
	ev.Bound()
	data, err := ev.Encode()
	if err != nil {
		s.log.Error("audit event not encoded", "error", err)
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := s.node.RecordAudit(rctx, &node.AuditRecord{Event: data}); err != nil {
		s.log.Error("audit event not recorded", "method", certificateMethod, "error", err)
	}
}

// describeJoin names the requester by the common name in its CSR and its address, and lists
// what it asked to be certified for. The CSR is parsed (and its signature checked) once for both.
func describeJoin(ctx context.Context, csr []byte) (audit.Identity, string) {
	id := audit.Identity{Subject: "(unreadable CSR)"}
	if p, ok := peer.FromContext(ctx); ok {
		id.Address = p.Addr.String()
	}
	c, _, err := pki.ParseCSR(csr)
	if err != nil {
		return id, fmt.Sprintf("csr: unreadable (%d bytes)", len(csr))
	}
	id.Subject = c.Subject.CommonName
	return id, fmt.Sprintf("csr: cn=%q dns=%q ips=%v", c.Subject.CommonName, c.DNSNames, c.IPAddresses)
}
