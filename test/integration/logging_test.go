package integration

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/cairn-os/cairn/internal/pkg/logfwd/rsyslogtest"
	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// TestLogForwardingToRsyslog configures a node, live, to send its audit trail to rsyslogd over
// mutual TLS; the calls a reader then makes with its client certificate arrive at rsyslogd
// naming the caller, logging status and the LogDestination resource show the destination to
// the reader, and the client key stays hidden from it.
func TestLogForwardingToRsyslog(t *testing.T) {
	rsyslogtest.Need(t)
	const nodeIP, siemIP = "127.0.0.41", "127.0.0.42"
	p := rsyslogtest.NewPKI(t, siemIP)
	siem := rsyslogtest.Start(t, siemIP, p)
	n := privateNode(t, nodeIP, "node-log")
	admin, reader := shared.configs[role.Admin], shared.configs[role.Reader]
	e := []string{"-e", nodeIP}
	endpoint := fmt.Sprintf("tls://%s:%d", siemIP, siem.Port)
	withLogging := variant(t, n.config, func(c *config.Config) {
		c.Machine.Logging.Destinations = []config.LoggingDestination{{Endpoint: endpoint, CA: p.CA.CertPEM,
			ClientCertificate: p.Client.PEMPair(), Sources: []string{config.LogSourceAudit, config.LogSourceMachined}}}
	})
	out := mustCtl(t, admin, append([]string{"apply-config", "-f", withLogging}, e...)...)
	wantContains(t, "apply-config", out, "configuration applied live: no reboot needed")

	mustCtl(t, reader, append([]string{"services"}, e...)...)
	waitFor(t, "the reader's call at rsyslogd", func() bool {
		got := string(siem.Output())
		return strings.Contains(got, "reader called /cairn.machine.MachineService/ServiceList on node-log: OK")
	})
	got := string(siem.Output())
	wantContains(t, "rsyslogd's file", got, ` node-log cairn-audit `, `subject="reader"`, `roles="os:reader"`, `fingerprint="`,
		`method="/cairn.machine.MachineService/ServiceList"`, `outcome="OK"`, `hash="`)

	status := mustCtl(t, reader, append([]string{"logging", "status"}, e...)...)
	wantContains(t, "logging status", status, "ENDPOINT", endpoint)
	js := mustCtl(t, reader, append([]string{"logging", "status", "-o", "json"}, e...)...)
	wantContains(t, "logging status -o json", js, `"endpoint": "`+endpoint+`"`, `"sources": [`)
	waitFor(t, "the calls acknowledged", func() bool {
		js := mustCtl(t, reader, append([]string{"logging", "status", "-o", "json"}, e...)...)
		return strings.Contains(js, `"acknowledged"`)
	})

	waitFor(t, "the LogDestination resource", func() bool {
		_, out, _ := ctl(t, reader, append([]string{"get", "logdest", "-o", "yaml"}, e...)...)
		return strings.Contains(out, endpoint) && strings.Contains(out, "acknowledged:")
	})

	cfg := mustCtl(t, reader, append([]string{"show-config"}, e...)...)
	if strings.Contains(cfg, base64.StdEncoding.EncodeToString(p.Client.KeyPEM)) || !strings.Contains(cfg, "key: KioqKioq") {
		t.Error("a reader sees the log client certificate's key, or not its redaction")
	}
}
