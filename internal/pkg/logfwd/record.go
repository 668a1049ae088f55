// Package logfwd forwards the node's audit events and logs to remote receivers (SIEMs): RFC 5424
// syslog messages with octet-counting framing over TLS (RFC 5425), or JSON lines. Each
// destination has a bounded queue on disk that survives a restart, so that a receiver that is
// down or slow never blocks what produces the entries and, until its queue is full, loses
// nothing; when the queue is full the oldest entries are dropped and a gap entry says how many
// and which. See doc.go for what "delivered" means on a protocol without acknowledgements.
package logfwd

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/cairn-os/cairn/pkg/machinery/audit"
)

// Severity is an RFC 5424 severity (0 emergency ... 7 debug).
type Severity uint8

// Severities the node uses.
const (
	SevError   Severity = 3
	SevWarning Severity = 4
	SevNotice  Severity = 5
	SevInfo    Severity = 6
	SevDebug   Severity = 7
)

// Sources of records, as machine.logging.destinations[].sources names them, and the
// forwarder's own (gap records).
const (
	SourceAudit          = "audit"
	SourceMachined       = "machined"
	SourceServices       = "services"
	SourceKernel         = "kernel"
	SourceAPIServerAudit = "kube-apiserver-audit"
	SourceForwarder      = "forwarder"
)

// Record is one entry to forward: an audit event, a log line, or a gap.
type Record struct {
	Time   time.Time `json:"time"`
	Source string    `json:"source"`
	// App names the program: machined, a service's name, kernel, kube-apiserver.
	App string `json:"app,omitempty"`
	// ProcID is the producing process's id, when there is one.
	ProcID   string   `json:"procid,omitempty"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message,omitempty"`
	// Audit is the event of an audit record.
	Audit *audit.Event `json:"audit,omitempty"`
	// Gap describes entries dropped before they were delivered.
	Gap *Gap `json:"gap,omitempty"`
}

// Gap says which entries a destination dropped and why.
type Gap struct {
	// Count is how many entries were dropped.
	Count uint64 `json:"count"`
	// FromSeq and ToSeq bound the queue's sequence numbers of the dropped entries (0 when
	// they were dropped before they had one). Entries a dropped gap record named count here
	// too: the range then also holds sequence numbers that were delivered before.
	FromSeq uint64 `json:"fromSeq,omitempty"`
	ToSeq   uint64 `json:"toSeq,omitempty"`
	// AuditFrom and AuditTo are the lowest and highest audit sequence numbers among them, 0
	// when there was no audit event. The audit events' own hash chain says exactly which
	// arrived.
	AuditFrom uint64 `json:"auditFrom,omitempty"`
	AuditTo   uint64 `json:"auditTo,omitempty"`
	Reason    string `json:"reason"`
}

// AuditRecord is the record of an audit event.
func AuditRecord(e audit.Event, procID string) Record {
	sev := SevInfo
	if e.Kind != audit.KindCall || (e.Code != "" && e.Code != "OK") {
		sev = SevNotice
	}
	if e.Kind == audit.KindGap || e.Kind == audit.KindRotated {
		sev = SevWarning
	}
	return Record{Time: e.Time, Source: SourceAudit, App: "cairn-audit", ProcID: procID, Severity: sev, Message: auditMessage(e), Audit: &e}
}

// auditMessage is an audit event in one readable sentence; the structured data carries the
// fields.
func auditMessage(e audit.Event) string {
	if e.Kind != audit.KindCall {
		if e.Note != "" {
			return e.Kind + ": " + e.Note
		}
		return e.Kind
	}
	who := e.Caller.Subject
	if who == "" {
		who = "(no certificate)"
	}
	if e.Unverified {
		who += " (unverified)"
	}
	return fmt.Sprintf("%s called %s on %s: %s", who, e.Method, e.Node, e.Code)
}

// gapMessage is a gap in one readable sentence.
func gapMessage(g *Gap) string {
	s := fmt.Sprintf("%d entries dropped before delivery (%s)", g.Count, g.Reason)
	if g.FromSeq != 0 {
		s += fmt.Sprintf("; queue sequence numbers %d to %d", g.FromSeq, g.ToSeq)
	}
	if g.AuditFrom != 0 {
		s += fmt.Sprintf("; audit events %d to %d among them", g.AuditFrom, g.AuditTo)
	}
	return s
}

func encodeRecord(r *Record) ([]byte, error) { return json.Marshal(r) }

func decodeRecord(b []byte) (Record, error) {
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return Record{}, fmt.Errorf("decode queued record: %w", err)
	}
	return r, nil
}
