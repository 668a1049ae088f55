package logfwd

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cairn-os/cairn/pkg/machinery/audit"
)

var testTime = time.Date(2026, 12, 3, 10, 4, 5, 123456789, time.FixedZone("CET", 3600))

func TestFormatRFC5424(t *testing.T) {
	e := audit.Event{Seq: 42, Kind: audit.KindCall, Node: "cp-1", RequestID: "r1",
		Caller: audit.Identity{Subject: `CN=bob "the ]admin\"`, Fingerprint: "SHA256:ff", Roles: []string{"os:reader", "os:auditor"}},
		Method: "/m/Version", Code: "PermissionDenied", PrevHash: "p", Hash: "h"}
	r := AuditRecord(e, "77")
	r.Time = testTime
	got := string(FormatRFC5424(&r, "cp-1.example.org"))
	want := `<109>1 2026-12-03T10:04:05.123456+01:00 cp-1.example.org cairn-audit 77 call [cairn@32473 source="audit" seq="42" kind="call" node="cp-1" requestId="r1" subject="CN=bob \"the \]admin\\\"" fingerprint="SHA256:ff" roles="os:reader,os:auditor" method="/m/Version" outcome="PermissionDenied" prevHash="p" hash="h"] CN=bob "the ]admin\" called /m/Version on cp-1: PermissionDenied`
	if got != want {
		t.Errorf("FormatRFC5424() =\n%s\nwant\n%s", got, want)
	}
	log := Record{Time: testTime, Source: SourceServices, App: "etcd server", Severity: SevInfo, Message: "grüße"}
	if got, want := string(FormatRFC5424(&log, "")), "<30>1 2026-12-03T10:04:05.123456+01:00 - etcd_server - log [cairn@32473 source=\"services\"] \xEF\xBB\xBFgrüße"; got != want {
		t.Errorf("FormatRFC5424(log) = %q, want %q", got, want)
	}
	gap := Record{Time: testTime, Source: SourceForwarder, App: "cairn-logfwd", Severity: SevWarning, Gap: &Gap{Count: 3, FromSeq: 5, ToSeq: 7, AuditFrom: 9, AuditTo: 10, Reason: "the queue was full"}}
	if got := string(FormatRFC5424(&gap, "n")); !strings.Contains(got, `gap [cairn@32473 source="forwarder" dropped="3" fromSeq="5" toSeq="7" auditFrom="9" auditTo="10" reason="the queue was full"] 3 entries dropped before delivery (the queue was full); queue sequence numbers 5 to 7; audit events 9 to 10 among them`) || !strings.HasPrefix(got, "<44>1 ") {
		t.Errorf("FormatRFC5424(gap) = %q", got)
	}
}

func TestFormatBounded(t *testing.T) {
	r := Record{Time: testTime, Source: SourceMachined, App: "machined", Message: strings.Repeat("é", 10000)}
	got := FormatRFC5424(&r, "n")
	if len(got) > MaxMessageSize || !utf8.Valid(got) || !strings.HasSuffix(string(got), "...") {
		t.Errorf("FormatRFC5424(20 kB message) is %d bytes (valid UTF-8 %v), want at most %d ending in ...", len(got), utf8.Valid(got), MaxMessageSize)
	}
	if f := frameOctetCounting(nil, []byte("abc")); string(f) != "3 abc" {
		t.Errorf("frameOctetCounting = %q", f)
	}
}

func TestFormatJSON(t *testing.T) {
	e := audit.Event{Seq: 42, Kind: audit.KindCall, Caller: audit.Identity{Subject: "CN=a"}, Via: []audit.Identity{{Subject: "CN=p1"}, {Subject: "CN=p2"}}, Code: "OK", Hash: "h"}
	r := AuditRecord(e, "1")
	r.Time = testTime
	var got map[string]any
	if err := json.Unmarshal(FormatJSON(&r, "n"), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"time": "2026-12-03T10:04:05.123456789+01:00", "host": "n", "app": "cairn-audit", "procid": "1", "msgid": "call",
		"facility": 13.0, "severity": 6.0, "sdid": SDID, "seq": 42.0, "subject": "CN=a", "via": []any{"CN=p1", "CN=p2"}, "outcome": "OK", "hash": "h", "source": "audit", "kind": "call"}
	for k, v := range want {
		if fmt.Sprint(got[k]) != fmt.Sprint(v) {
			t.Errorf("FormatJSON()[%q] = %v, want %v", k, got[k], v)
		}
	}
}

// parseSD parses the structured data of a message the way a receiver does (RFC 5424 §6.3),
// strictly: it is the test's independent reading of what FormatRFC5424 writes.
func parseSD(msg string) (params [][2]string, rest string, err error) {
	fields := strings.SplitN(msg, " ", 7)
	if len(fields) < 7 {
		return nil, "", fmt.Errorf("%d header fields", len(fields))
	}
	for _, f := range fields[2:6] {
		for i := range len(f) {
			if f[i] < 33 || f[i] > 126 {
				return nil, "", fmt.Errorf("header field %q has %q", f, f[i])
			}
		}
	}
	sd := fields[6]
	if !strings.HasPrefix(sd, "["+SDID) {
		return nil, "", fmt.Errorf("no SD-ELEMENT in %q", sd)
	}
	i := len(SDID) + 1
	for {
		if i >= len(sd) {
			return nil, "", fmt.Errorf("unterminated SD-ELEMENT")
		}
		if sd[i] == ']' {
			return params, sd[i+1:], nil
		}
		if sd[i] != ' ' {
			return nil, "", fmt.Errorf("want a space at %d", i)
		}
		eq := strings.IndexByte(sd[i:], '=')
		if eq < 0 || sd[i+eq+1] != '"' {
			return nil, "", fmt.Errorf("want name=\" at %d", i)
		}
		name := sd[i+1 : i+eq]
		var v strings.Builder
		j := i + eq + 2
		for ; j < len(sd) && sd[j] != '"'; j++ {
			if sd[j] == ']' {
				return nil, "", fmt.Errorf("unescaped ] in a value")
			}
			if sd[j] == '\\' && j+1 < len(sd) && strings.ContainsRune(`"\]`, rune(sd[j+1])) {
				j++
			}
			v.WriteByte(sd[j])
		}
		if j >= len(sd) {
			return nil, "", fmt.Errorf("unterminated value")
		}
		params = append(params, [2]string{name, v.String()})
		i = j + 1
	}
}

// FuzzFormatRFC5424 formats records with arbitrary fields: the message must parse back with the
// same parameter values (as valid UTF-8), a well-formed header and a bounded length.
func FuzzFormatRFC5424(f *testing.F) {
	f.Add("CN=alice", "/m", `a"b\c]d`, "host name", "app")
	f.Add("\xff\xfe", "]]]", "\\", "", "")
	f.Fuzz(func(t *testing.T, subject, method, args, host, app string) {
		e := audit.Event{Seq: 1, Kind: audit.KindCall, Caller: audit.Identity{Subject: subject}, Method: method, Args: args, Hash: "h"}
		r := AuditRecord(e, "1")
		r.App = app
		r.Time = testTime
		msg := string(FormatRFC5424(&r, host))
		if len(subject)+len(method) < 2048 && len(msg) > MaxMessageSize {
			t.Fatalf("message is %d bytes", len(msg))
		}
		params, _, err := parseSD(msg)
		if err != nil {
			t.Fatalf("parse %q: %v", msg, err)
		}
		got := map[string]string{}
		for _, p := range params {
			got[p[0]] = p[1]
		}
		for name, want := range map[string]string{"subject": subject, "method": method, "args": truncate(args, maxArgs)} {
			if want == "" {
				continue
			}
			if got[name] != strings.ToValidUTF8(want, "\uFFFD") {
				t.Fatalf("%s = %q, want %q", name, got[name], want)
			}
		}
	})
}

func TestEscapeParamValue(t *testing.T) {
	for in, want := range map[string]string{`plain`: `plain`, `a"b`: `a\"b`, `a\b`: `a\\b`, `a]b`: `a\]b`, "a\xffb": "a\uFFFDb", `[x]`: `[x\]`} {
		if got := EscapeParamValue(in); got != want {
			t.Errorf("EscapeParamValue(%q) = %q, want %q", in, got, want)
		}
	}
}
