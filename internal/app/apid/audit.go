package apid

import (
	"context"
	"time"

	"google.golang.org/grpc/status"

	"github.com/cairn-os/cairn/pkg/machinery/api/node"
	"github.com/cairn-os/cairn/pkg/machinery/audit"
)

// record writes the audit event of one call through machined, which owns the audit log.
// It is synchronous: a call's event is in the log before its reply (or error) leaves apid.
func (s *server) record(c *call, method string, creds *credentialSet, start time.Time, err error, req []byte) {
	ev := audit.Event{
		Time:      start,
		Kind:      audit.KindCall,
		Node:      creds.hostname,
		RequestID: c.requestID,
		Caller:    c.caller,
		Via:       c.via,
		Method:    method,
		Nodes:     c.nodes,
		Code:      status.Code(err).String(),
		Duration:  int64(s.now().Sub(start)),
		Args:      summarize(c.desc, req),
		// Refused calls from peers that did not authenticate are counted per source by the
		// log rather than written one by one.
		Unverified: !c.verified,
	}
	if creds.maintenance {
		ev.Note = "maintenance mode: no client certificate"
	}
	if n := c.note(); n != "" {
		ev.Note = n
	}
	// The claims of an unverified certificate are the peer's to choose: bound them so that
	// the event fits (and says it was truncated) instead of being refused.
	ev.Bound()
	data, encErr := ev.Encode()
	if encErr != nil {
		s.log.Error("audit event not encoded", "method", method, "error", encErr)
		return
	}
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, rerr := s.nodeAPI.RecordAudit(ctx, &node.AuditRecord{Event: data})
		cancel()
		if rerr == nil {
			return
		}
		s.log.Error("audit event not recorded", "method", method, "request_id", c.requestID, "attempt", attempt, "error", rerr)
		if attempt == 5 {
			return
		}
		time.Sleep(time.Duration(attempt) * 200 * time.Millisecond)
	}
}
