package logfwd

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// FormatJSON formats the record as one JSON object (without the newline): the header fields of
// the RFC 5424 form (time with nanoseconds and zone, host, app, procid, msgid, facility,
// severity), the SD-ID, the message, and every structured-data parameter as a field of its
// own; a parameter that repeats (via) becomes an array.
func FormatJSON(r *Record, host string) []byte {
	var b strings.Builder
	field := func(name string, value any) {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(name)
		v, _ := json.Marshal(value) // strings, numbers and string slices always encode
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('{')
	field("time", r.Time.Format(time.RFC3339Nano))
	field("host", host)
	field("app", r.App)
	if r.ProcID != "" {
		field("procid", r.ProcID)
	}
	field("msgid", msgID(r))
	field("facility", facility(r.Source))
	field("severity", int(r.Severity))
	field("sdid", SDID)
	msg := r.Message
	if r.Gap != nil {
		msg = gapMessage(r.Gap)
	}
	field("message", strings.ToValidUTF8(msg, "\uFFFD"))
	ps := r.params()
	for i, p := range ps {
		switch {
		case i > 0 && ps[i-1].name == p.name:
			continue // written as an array below
		case i+1 < len(ps) && ps[i+1].name == p.name:
			var vs []string
			for j := i; j < len(ps) && ps[j].name == p.name; j++ {
				vs = append(vs, ps[j].value)
			}
			field(p.name, vs)
		case isCount(p.name):
			n, _ := strconv.ParseUint(p.value, 10, 64)
			field(p.name, n)
		default:
			field(p.name, strings.ToValidUTF8(p.value, "\uFFFD"))
		}
	}
	b.WriteByte('}')
	return []byte(b.String())
}

// isCount says which parameters are numbers, so that JSON carries them as numbers.
func isCount(name string) bool {
	switch name {
	case "seq", "dropped", "fromSeq", "toSeq", "auditFrom", "auditTo", "durationNs", "droppedFrom", "droppedTo":
		return true
	}
	return false
}
