package config

import (
	"strings"
	"testing"
)

func TestParseLogEndpoint(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want LogEndpoint
	}{
		{"tls://logs.example.org", LogEndpoint{LogSchemeTLS, "logs.example.org", 6514}},
		{"tls://logs.example.org:10514/", LogEndpoint{LogSchemeTLS, "logs.example.org", 10514}},
		{"tls://[2001:db8::1]", LogEndpoint{LogSchemeTLS, "2001:db8::1", 6514}},
		{"tcp://192.0.2.1:601", LogEndpoint{LogSchemeTCP, "192.0.2.1", 601}},
	} {
		got, err := ParseLogEndpoint(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseLogEndpoint(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "tls:logs", "tls://user@logs", "tls://logs/x", "tls://logs?x", "tls://logs#x",
		"tls://logs:", "tls://logs:0", "tls://logs:06514", "tls://:6514", "udp://logs:514", "tcp://logs",
		"tls://2001:db8::1", "tls://logs:+1"} {
		if got, err := ParseLogEndpoint(in); err == nil {
			t.Errorf("ParseLogEndpoint(%q) = %+v, want an error", in, got)
		}
	}
}

// FuzzParseLogEndpoint checks that whatever parses prints back to an endpoint that parses
// to the same value, with a host and port that are valid.
func FuzzParseLogEndpoint(f *testing.F) {
	for _, s := range []string{"tls://logs.example.org", "tcp://[::1]:601", "tls://a:1/", "tls://%31:1", "tls://a:65536"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ep, err := ParseLogEndpoint(s)
		if err != nil {
			return
		}
		if !isHost(ep.Host) || ep.Port < 1 || ep.Port > 65535 {
			t.Fatalf("ParseLogEndpoint(%q) = %+v: invalid host or port", s, ep)
		}
		again, err := ParseLogEndpoint(ep.String())
		if err != nil || again != ep {
			t.Fatalf("ParseLogEndpoint(%q) = %+v, %v; want %+v", ep.String(), again, err, ep)
		}
	})
}

// FuzzCheckAPIServerAuditPolicy feeds arbitrary text to the policy check: it must not panic,
// and whatever it accepts names at least one rule.
func FuzzCheckAPIServerAuditPolicy(f *testing.F) {
	f.Add(DefaultAPIServerAuditPolicy)
	f.Add(policyPrefix + "rules: [{level: None, omitStages: [Panic]}]\n")
	f.Add(policyPrefix + "rules: [{level: None}]\n---\n")
	f.Add("&a [*a, *a]")
	f.Fuzz(func(t *testing.T, s string) {
		if err := CheckAPIServerAuditPolicy(s); err == nil && !strings.Contains(s, "rules") {
			t.Fatalf("CheckAPIServerAuditPolicy(%q) = nil for a policy without rules", s)
		}
	})
}
