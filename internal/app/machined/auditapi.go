package machined

import (
	"context"
	"errors"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
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
		return a.n.audit.Read(r.GetFrom(), send)
	}
	err := a.n.audit.Follow(s.Context(), r.GetFrom(), send)
	switch {
	case errors.Is(err, context.Canceled):
		return nil
	case err != nil && s.Context().Err() == nil:
		return apierr.Unavailable("%v", err)
	}
	return err
}
