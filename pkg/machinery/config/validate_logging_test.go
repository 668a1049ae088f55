package config

import (
	"strings"
)

func dest(c *Config) *LoggingDestination {
	if len(c.Machine.Logging.Destinations) == 0 {
		c.Machine.Logging.Destinations = []LoggingDestination{{Endpoint: "tls://logs.example.org"}}
	}
	return &c.Machine.Logging.Destinations[0]
}

const policyPrefix = "apiVersion: audit.k8s.io/v1\nkind: Policy\n"

var loggingCases = []validationCase{
	{name: "log endpoint required", mutate: func(c *Config) { dest(c).Endpoint = "" }, want: []string{`machine.logging.destinations[0].endpoint: "" is required`}},
	{name: "log endpoint scheme", mutate: func(c *Config) { dest(c).Endpoint = "udp://logs:514" }, want: []string{`machine.logging.destinations[0].endpoint: "udp://logs:514" must be tls://host[:port] or tcp://host:port`}},
	{name: "log endpoint host", mutate: func(c *Config) { dest(c).Endpoint = "tls://logs_1:6514" }, want: []string{`machine.logging.destinations[0].endpoint: "tls://logs_1:6514" must name a host: a DNS name or an IP address (IPv6 in brackets)`}},
	{name: "log endpoint port", mutate: func(c *Config) { dest(c).Endpoint = "tls://logs:65536" }, want: []string{`machine.logging.destinations[0].endpoint: "tls://logs:65536" must have a port from 1 to 65535`}},
	{name: "log endpoint tcp port", mutate: func(c *Config) { d := dest(c); d.Endpoint, d.Insecure = "tcp://logs", true }, want: []string{`machine.logging.destinations[0].endpoint: "tcp://logs" must name a port: tcp://host:port`}},
	{name: "log endpoint long", mutate: func(c *Config) { dest(c).Endpoint = "tls://" + strings.Repeat("a", 300) }, want: []string{`machine.logging.destinations[0].endpoint: "tls://` + strings.Repeat("a", 58) + `..." is longer than 300 characters`}},
	{name: "log endpoint duplicate (default port)", mutate: func(c *Config) {
		c.Machine.Logging.Destinations = []LoggingDestination{{Endpoint: "tls://logs"}, {Endpoint: "tls://logs:6514"}}
	}, want: []string{`machine.logging.destinations[1].endpoint: "tls://logs:6514" duplicates machine.logging.destinations[0].endpoint`}},
	{name: "log too many destinations", mutate: func(c *Config) {
		for i := range 9 {
			c.Machine.Logging.Destinations = append(c.Machine.Logging.Destinations, LoggingDestination{Endpoint: "tls://logs:" + string(rune('1'+i))})
		}
	}, want: []string{`machine.logging.destinations: "9" must list at most 8 destinations`}},
	{name: "log tcp needs insecure", mutate: func(c *Config) { dest(c).Endpoint = "tcp://logs:601" }, want: []string{`machine.logging.destinations[0].insecure: "false" must be true to send in clear text to a tcp:// endpoint`}},
	{name: "log tcp insecure", mutate: func(c *Config) { d := dest(c); d.Endpoint, d.Insecure = "tcp://logs:601", true }},
	{name: "log tls not insecure", mutate: func(c *Config) { dest(c).Insecure = true }, want: []string{`machine.logging.destinations[0].insecure: "true" must be false with a tls:// endpoint`}},
	{name: "log format", mutate: func(c *Config) { dest(c).Format = "json" }, want: []string{`machine.logging.destinations[0].format: "json" must be rfc5424 or jsonl`}},
	{name: "log ca", mutate: func(c *Config) { dest(c).CA = []byte("x") }, want: []string{`machine.logging.destinations[0].ca: "1 bytes" must be PEM certificates and nothing else`}},
	{name: "log ca with tcp", mutate: func(c *Config) {
		d := dest(c)
		d.Endpoint, d.Insecure, d.CA = "tcp://logs:601", true, c.Machine.CA.Crt
	}, want: []string{`machine.logging.destinations[0].ca: "550 bytes" must be empty with a tcp:// endpoint (no TLS)`}},
	{name: "log client certificate", mutate: func(c *Config) { d := dest(c); d.CA, d.ClientCertificate = c.Machine.CA.Crt, c.Machine.CA }},
	{name: "log client certificate with tcp", mutate: func(c *Config) {
		d := dest(c)
		d.Endpoint, d.Insecure, d.ClientCertificate = "tcp://logs:601", true, c.Machine.CA
	}, want: []string{`machine.logging.destinations[0].clientCertificate.key: "******" must be empty with a tcp:// endpoint (no TLS)`}},
	{name: "log client crt required", mutate: func(c *Config) { dest(c).ClientCertificate.Key = c.Machine.CA.Key }, want: []string{`machine.logging.destinations[0].clientCertificate.crt: "" is required with clientCertificate.key`}},
	{name: "log client key required", mutate: func(c *Config) { dest(c).ClientCertificate.Crt = c.Machine.CA.Crt }, want: []string{`machine.logging.destinations[0].clientCertificate.key: "" is required with clientCertificate.crt`}},
	{name: "log client key mismatch", mutate: func(c *Config) {
		dest(c).ClientCertificate = c.Machine.CA
		dest(c).ClientCertificate.Key = c.Cluster.Etcd.CA.Key
	}, want: []string{`machine.logging.destinations[0].clientCertificate.key: "******" is not a PEM private key matching clientCertificate.crt: tls: private key does not match public key`}},
	{name: "log source", mutate: func(c *Config) { dest(c).Sources = []string{"audit", "syslog"} }, want: []string{`machine.logging.destinations[0].sources[1]: "syslog" must be audit, machined, services, kernel or kube-apiserver-audit`}},
	{name: "log source duplicate", mutate: func(c *Config) { dest(c).Sources = []string{"audit", "kernel", "audit"} }, want: []string{`machine.logging.destinations[0].sources[2]: "audit" duplicates machine.logging.destinations[0].sources[0]`}},
	{name: "log queue", mutate: func(c *Config) { dest(c).QueueMiB = 2048 }, want: []string{`machine.logging.destinations[0].queueMiB: "2048" must be from 1 to 1024 (MiB)`}},
	{name: "audit policy", mutate: func(c *Config) { c.Machine.Logging.APIServerAuditPolicy = DefaultAPIServerAuditPolicy }},
	{name: "audit policy on worker", worker: true, mutate: func(c *Config) { c.Machine.Logging.APIServerAuditPolicy = policyPrefix + "rules: [{level: None}]\n" },
		want: []string{`machine.logging.apiServerAuditPolicy: "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: None}]\n" must be empty on a worker (it runs no kube-apiserver)`}},
	{name: "audit policy kind", mutate: func(c *Config) { c.Machine.Logging.APIServerAuditPolicy = "apiVersion: v1\nkind: Policy\n" },
		want: []string{`machine.logging.apiServerAuditPolicy: "apiVersion: v1\nkind: Policy\n" must be apiVersion audit.k8s.io/v1 kind Policy, not "v1" "Policy"`}},
	{name: "audit policy rules", mutate: func(c *Config) { c.Machine.Logging.APIServerAuditPolicy = policyPrefix },
		want: []string{`machine.logging.apiServerAuditPolicy: "apiVersion: audit.k8s.io/v1\nkind: Policy\n" must have at least one rule`}},
	{name: "audit policy level", mutate: func(c *Config) { c.Machine.Logging.APIServerAuditPolicy = policyPrefix + "rules: [{level: All}]\n" },
		want: []string{`machine.logging.apiServerAuditPolicy: "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: All}]\n" rules[0].level: "All" must be None, Metadata, Request or RequestResponse`}},
	{name: "audit policy stage", mutate: func(c *Config) {
		c.Machine.Logging.APIServerAuditPolicy = policyPrefix + "omitStages: [Done]\nrules: [{level: None}]\n"
	},
		want: []string{`machine.logging.apiServerAuditPolicy: "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [Done]\nrule..." omitStages[0]: "Done" must be RequestReceived, ResponseStarted, ResponseComplete or Panic`}},
	{name: "audit policy unknown field", mutate: func(c *Config) {
		c.Machine.Logging.APIServerAuditPolicy = policyPrefix + "rules: [{level: None, user: [a]}]\n"
	},
		want: []string{`machine.logging.apiServerAuditPolicy: "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: None, u..." is not an audit policy: line 3: field user not found`}},
	{name: "audit policy two documents", mutate: func(c *Config) {
		c.Machine.Logging.APIServerAuditPolicy = policyPrefix + "rules: [{level: None}]\n---\na: b\n"
	},
		want: []string{`machine.logging.apiServerAuditPolicy: "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: None}]\n..." must be one YAML document`}},
}
