package logfwd

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Facilities (RFC 5424 §6.2.1) by source.
const (
	facKernel   = 0
	facDaemon   = 3
	facSyslog   = 5
	facLogAudit = 13
)

func facility(source string) int {
	switch source {
	case SourceKernel:
		return facKernel
	case SourceAudit, SourceAPIServerAudit:
		return facLogAudit
	case SourceForwarder:
		return facSyslog
	}
	return facDaemon
}

// MaxMessageSize bounds one formatted message. RFC 5425 §4.3.1 has receivers accept at least
// 2048 octets and recommends 8192, rsyslog's default: the free text is cut first, then the
// call arguments, so that what identifies an entry always arrives.
const MaxMessageSize = 8192

// timeFormat is RFC 5424's TIMESTAMP: RFC 3339 with microseconds and the zone's offset.
const timeFormat = "2006-01-02T15:04:05.000000Z07:00"

// bom starts a free-text part that is UTF-8 (RFC 5424 §6.4); pure ASCII goes without it.
const bom = "\xEF\xBB\xBF"

// FormatRFC5424 formats the record as an RFC 5424 message from host (without framing).
func FormatRFC5424(r *Record, host string) []byte {
	var b strings.Builder
	b.WriteByte('<')
	b.WriteString(strconv.Itoa(facility(r.Source)*8 + int(r.Severity&7)))
	b.WriteString(">1 ")
	b.WriteString(r.Time.Format(timeFormat))
	b.WriteByte(' ')
	b.WriteString(headerField(host, 255))
	b.WriteByte(' ')
	b.WriteString(headerField(r.App, 48))
	b.WriteByte(' ')
	b.WriteString(headerField(r.ProcID, 128))
	b.WriteByte(' ')
	b.WriteString(headerField(msgID(r), 32))
	b.WriteByte(' ')
	head := b.String()
	sd := structuredData(r.params())
	msg := r.Message
	if r.Gap != nil {
		msg = gapMessage(r.Gap)
	}
	if room := MaxMessageSize - len(head) - len(sd) - 1 - len(bom); len(msg) > room {
		msg = truncate(msg, max(room, 0))
	}
	out := make([]byte, 0, len(head)+len(sd)+len(msg)+4)
	out = append(append(out, head...), sd...)
	if msg != "" {
		out = append(out, ' ')
		if !isASCII(msg) {
			out = append(out, bom...)
		}
		out = append(out, strings.ToValidUTF8(msg, "\uFFFD")...)
	}
	return out
}

// msgID says what kind of entry it is: the audit event's kind, "gap", or "log".
func msgID(r *Record) string {
	switch {
	case r.Gap != nil:
		return "gap"
	case r.Audit != nil:
		return r.Audit.Kind
	}
	return "log"
}

// headerField is a HOSTNAME, APP-NAME, PROCID or MSGID: 1 to n printable US-ASCII characters,
// or "-" (the NILVALUE) when empty. Anything else becomes '_'.
func headerField(s string, n int) string {
	if s == "" {
		return "-"
	}
	b := []byte(s)
	if len(b) > n {
		b = b[:n]
	}
	for i, c := range b {
		if c < 33 || c > 126 {
			b[i] = '_'
		}
	}
	return string(b)
}

// structuredData is one SD-ELEMENT with SDID and the params.
func structuredData(ps []param) string {
	if len(ps) == 0 {
		return "-"
	}
	var b strings.Builder
	b.WriteString("[" + SDID)
	for _, p := range ps {
		b.WriteByte(' ')
		b.WriteString(paramName(p.name))
		b.WriteString(`="`)
		b.WriteString(EscapeParamValue(p.value))
		b.WriteByte('"')
	}
	b.WriteByte(']')
	return b.String()
}

// paramName is an SD-NAME: 1 to 32 printable US-ASCII characters except '=', ' ', ']' and '"'.
// The names are Cairn's own constants; this only guards against a future mistake.
func paramName(s string) string {
	b := []byte(headerField(s, 32))
	for i, c := range b {
		if c == '=' || c == ']' || c == '"' {
			b[i] = '_'
		}
	}
	return string(b)
}

// EscapeParamValue escapes a PARAM-VALUE (RFC 5424 §6.3.3): '"', '\' and ']' get a
// backslash; invalid UTF-8 becomes U+FFFD, since the value must be UTF-8.
func EscapeParamValue(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if !strings.ContainsAny(s, `"\]`) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r == '"' || r == '\\' || r == ']' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// frameOctetCounting frames a message for a stream (RFC 5425 §4.3, RFC 6587 §3.4.1):
// MSG-LEN SP SYSLOG-MSG.
func frameOctetCounting(dst, msg []byte) []byte {
	dst = strconv.AppendInt(dst, int64(len(msg)), 10)
	dst = append(dst, ' ')
	return append(dst, msg...)
}
