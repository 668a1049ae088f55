package machined

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net"

	"google.golang.org/grpc/metadata"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/node"
	"github.com/cairn-os/cairn/pkg/machinery/api/trust"
	auditpkg "github.com/cairn-os/cairn/pkg/machinery/audit"
	"github.com/cairn-os/cairn/pkg/machinery/constants"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// nodeAPI is the machined-internal service apid uses: certificates and audit records.
type nodeAPI struct {
	node.UnimplementedNodeServiceServer
	n *daemon
}

func (a *nodeAPI) Certificates(_ *common.Empty, s node.NodeService_CertificatesServer) error {
	return a.n.certs.watch(s.Context(), s.Send)
}

func (a *nodeAPI) RecordAudit(_ context.Context, r *node.AuditRecord) (*common.Empty, error) {
	ev, err := decodeUnsealed(r.GetEvent())
	if err != nil {
		return nil, err
	}
	if _, err := a.n.audit.Append(ev); err != nil {
		return nil, apierr.Unavailable("audit log: %v", err)
	}
	return &common.Empty{}, nil
}

// maxAuditRecord bounds what apid may send for one event (gRPC's own limit is 4 MiB).
const maxAuditRecord = 1 << 20

// decodeUnsealed parses an event apid built; the log assigns its sequence number and hashes.
func decodeUnsealed(data []byte) (auditpkg.Event, error) {
	var ev auditpkg.Event
	// apid bounds the event's fields; the log bounds them again, so a larger record is
	// truncated there (and marked), not refused: every call leaves an event.
	if len(data) > maxAuditRecord {
		return ev, apierr.Invalid("audit event: %d bytes, more than %d", len(data), maxAuditRecord)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		return ev, apierr.Invalid("audit event: %v", err)
	}
	if ev.Kind != auditpkg.KindCall {
		return ev, apierr.Invalid("audit event: kind %q: apid records only %q events", ev.Kind, auditpkg.KindCall)
	}
	if ev.Method == "" {
		return ev, fmt.Errorf("%w: audit event: method is empty", apierr.ErrInvalidArgument)
	}
	return ev, nil
}

// SignNodeCertificate signs a joining node's CSR with the OS CA when its join token matches.
// The certificate is a worker's, bound to the address trustd saw the request come from.
func (a *nodeAPI) SignNodeCertificate(ctx context.Context, r *trust.CertificateRequest) (*trust.CertificateResponse, error) {
	cfg := a.n.config()
	if cfg == nil {
		return nil, apierr.Unavailable("the node has no configuration (maintenance mode)")
	}
	if subtle.ConstantTimeCompare([]byte(r.GetToken()), []byte(cfg.Machine.Token)) != 1 {
		return nil, apierr.Denied("token: the join token does not match")
	}
	if len(cfg.Machine.CA.Key) == 0 {
		return nil, apierr.Precondition("this node does not hold the OS CA key: ask a control-plane node")
	}
	ca, err := pki.ParseKeyPair(cfg.Machine.CA.Crt, cfg.Machine.CA.Key)
	if err != nil {
		return nil, fmt.Errorf("machine.ca: %w", err)
	}
	csr, pub, err := pki.ParseCSR(r.GetCsr())
	if err != nil {
		return nil, apierr.Invalid("csr: %v", err)
	}
	// The joining node's apid serves the API with this certificate. It carries no role and no
	// ClientAuth usage: the join token sits in every worker's configuration, so it must not
	// buy the node-proxy role, which lets a peer name any caller. Only control-plane nodes,
	// which hold the CA key, issue themselves proxy certificates; workers do not proxy. It
	// names only the address the request came from, and is marked as a worker's, so that no
	// one sends it a configuration holding CA keys.
	req, err := pki.JoinRequest(csr, joinAddress(ctx))
	if err != nil {
		return nil, apierr.Invalid("csr: %v", err)
	}
	crt, err := ca.Sign(pub, req)
	if err != nil {
		return nil, apierr.Invalid("csr: %v", err)
	}
	return &trust.CertificateResponse{Ca: ca.CertPEM, Crt: crt}, nil
}

// joinAddress is the address trustd saw a join request come from (nil when it said none).
func joinAddress(ctx context.Context) net.IP {
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get(constants.JoinAddressMetadata); len(v) == 1 {
		return net.ParseIP(v[0])
	}
	return nil
}
