package audit

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits of the fields of an event. Identities come from certificates a peer presents before
// anything about it is verified, so every claim is bounded in size and count; with these
// limits an encoded call event stays well under MaxEventSize.
const (
	maxName       = 256 // subject, method, node, a target node, a role
	maxShort      = 128 // serial, fingerprint, address, request id, code
	maxRoles      = 16
	maxVia        = 4
	maxNodes      = 32
	maxArgs       = 4 << 10
	maxNote       = 2 << 10
	maxSamples    = 8
	truncatedMark = "...(truncated)"
	// The claims of a caller that did not authenticate are kept much shorter: they are the
	// peer's to choose, and such events must stay small.
	maxUnverifiedName  = 128
	maxUnverifiedRoles = 8
	maxUnverifiedNodes = 8
	maxUnverifiedArgs  = 512
)

// Bound truncates every field of the event that is over its limit and marks the event
// Truncated when it changed anything. Long strings keep their start and a marker; long lists
// keep their first entries and a last entry saying how many were left out. Slices shared with
// the caller are copied, never changed in place.
func (e *Event) Bound() {
	b := bounder{name: maxName, roles: maxRoles, nodes: maxNodes, args: maxArgs}
	if e.Unverified {
		b = bounder{name: maxUnverifiedName, roles: maxUnverifiedRoles, nodes: maxUnverifiedNodes, args: maxUnverifiedArgs}
	}
	b.identity(&e.Caller)
	if len(e.Via) > maxVia {
		e.Via, b.cut = e.Via[:maxVia], true
	}
	for i := range e.Via {
		b.identity(&e.Via[i])
	}
	e.Node, e.RequestID, e.Method = b.str(e.Node, maxName), b.str(e.RequestID, maxShort), b.str(e.Method, maxName)
	e.Code, e.Args, e.Note = b.str(e.Code, maxShort), b.str(e.Args, b.args), b.str(e.Note, maxNote)
	e.Nodes = b.list(e.Nodes, b.nodes, b.name)
	if r := e.Refusals; r != nil {
		r.Source = b.str(r.Source, maxShort)
		r.Methods, r.Subjects = b.list(r.Methods, maxSamples, maxName), b.list(r.Subjects, maxSamples, maxName)
	}
	e.Truncated = e.Truncated || b.cut
}

// bounder applies the limits of one event and remembers whether it cut anything.
type bounder struct {
	name, roles, nodes, args int
	cut                      bool
}

func (b *bounder) identity(id *Identity) {
	id.Subject, id.Serial = b.str(id.Subject, b.name), b.str(id.Serial, maxShort)
	id.Fingerprint, id.Address = b.str(id.Fingerprint, maxShort), b.str(id.Address, maxShort)
	id.Roles = b.list(id.Roles, b.roles, b.name)
}

// str cuts s to at most limit bytes on a rune boundary, the marker included, and replaces
// invalid UTF-8 (which JSON would not round-trip, so the hash would not verify).
func (b *bounder) str(s string, limit int) string {
	if !utf8.ValidString(s) {
		s, b.cut = strings.ToValidUTF8(s, "\uFFFD"), true
	}
	if len(s) <= limit {
		return s
	}
	b.cut = true
	n := limit - len(truncatedMark)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + truncatedMark
}

// list keeps at most limit entries of at most each bytes; the last kept entry says how many
// were left out.
func (b *bounder) list(l []string, limit, each int) []string {
	var out []string
	if len(l) > limit {
		out = append(make([]string, 0, limit), l[:limit-1]...)
		out = append(out, strconv.Itoa(len(l)-limit+1)+" more entries truncated")
		b.cut = true
	}
	for i, s := range l {
		if (len(s) > each || !utf8.ValidString(s)) && out == nil {
			out = append([]string(nil), l...)
		}
		if out != nil && i < len(out) {
			out[i] = b.str(out[i], each)
		}
	}
	if out == nil {
		return l
	}
	return out
}
