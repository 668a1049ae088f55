package logfwd

import (
	"strconv"
	"strings"
)

// SDID is the SD-ID of Cairn's structured data: name@PEN, the form RFC 5424 §7.2.2 gives for
// private SD-IDs. 32473 is the Private Enterprise Number IANA reserves for documentation and
// examples (RFC 5612); it stands in until Cairn has a number of its own, and changing it is a
// one-line change here. Receivers match on the name as well as the number.
const SDID = "cairn@32473"

// maxArgs bounds the call arguments an entry carries; the audit log on the node keeps them
// whole (up to its own bound).
const maxArgs = 1024

// param is one SD-PARAM: a name and a value, in the order they are written.
type param struct{ name, value string }

// params are the fields of a record as SD-PARAMs (and JSON fields), empty ones left out.
func (r *Record) params() []param {
	var ps []param
	add := func(name, value string) {
		if value != "" {
			ps = append(ps, param{name, value})
		}
	}
	num := func(name string, n uint64) {
		if n != 0 {
			add(name, strconv.FormatUint(n, 10))
		}
	}
	add("source", r.Source)
	if g := r.Gap; g != nil {
		num("dropped", g.Count)
		num("fromSeq", g.FromSeq)
		num("toSeq", g.ToSeq)
		num("auditFrom", g.AuditFrom)
		num("auditTo", g.AuditTo)
		add("reason", g.Reason)
	}
	e := r.Audit
	if e == nil {
		return ps
	}
	num("seq", e.Seq)
	add("kind", e.Kind)
	add("node", e.Node)
	add("requestId", e.RequestID)
	add("subject", e.Caller.Subject)
	add("serial", e.Caller.Serial)
	add("fingerprint", e.Caller.Fingerprint)
	add("roles", strings.Join(e.Caller.Roles, ","))
	add("address", e.Caller.Address)
	if e.Unverified {
		add("unverified", "true")
	}
	for _, v := range e.Via {
		add("via", v.Subject)
	}
	add("method", e.Method)
	add("nodes", strings.Join(e.Nodes, ","))
	add("outcome", e.Code)
	if e.Duration != 0 {
		add("durationNs", strconv.FormatInt(e.Duration, 10))
	}
	add("args", truncate(e.Args, maxArgs))
	if d := e.Dropped; d != nil {
		num("droppedFrom", d.FromSeq)
		num("droppedTo", d.ToSeq)
	}
	add("note", e.Note)
	add("prevHash", e.PrevHash)
	add("hash", e.Hash)
	return ps
}

// truncate cuts s to at most n bytes on a UTF-8 boundary and marks the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("...")
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
