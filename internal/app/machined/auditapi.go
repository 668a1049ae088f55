package machined

import (
	"context"
	"errors"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/internal/pkg/auditlog"
	"github.com/cairn-os/cairn/pkg/machinery/api/audit"
	auditpkg "github.com/cairn-os/cairn/pkg/machinery/audit"
)

// auditAPI streams the node's audit log.
type auditAPI struct {
	audit.UnimplementedAuditServiceServer
	n *daemon
}

func (a *auditAPI) Log(r *audit.LogRequest, s audit.AuditService_LogServer) error {
	send := func(ev auditpkg.Event) error {
		data, err := ev.Encode()
		if err != nil {
			return err
		}
		return s.Send(&audit.LogEntry{Metadata: a.n.md(), Event: data})
	}
	if !r.GetFollow() {
		// A signed anchor first, so that the reader can check that nothing before it was
		// rewritten or cut; the reply ends with it.
		anchor, err := a.n.audit.Anchor("read: signed for a reader of the log")
		if err != nil {
			return apierr.Unavailable("audit log: %v", err)
		}
		return a.n.audit.ReadRange(r.GetFrom(), anchor.Seq, send)
	}
	err := a.n.audit.Follow(s.Context(), r.GetFrom(), send)
	switch {
	case errors.Is(err, auditlog.ErrTooManyFollowers):
		return apierr.Unavailable("%v", err)
	case errors.Is(err, context.Canceled):
		return nil
	case err != nil && s.Context().Err() == nil:
		return apierr.Unavailable("%v", err)
	}
	return err
}
