package api

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cairn-os/cairn/internal/pkg/logfwd/rsyslogtest"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/client"
	"github.com/cairn-os/cairn/pkg/machinery/config"
)

// The loopback addresses of BenchmarkAuditedCall's two nodes and its receiver.
const (
	forwardOffIP = "127.0.0.20"
	forwardOnIP  = "127.0.0.21"
	siemIP       = "127.0.0.22"
)

// BenchmarkAuditedCall is the latency that log forwarding adds to an audited call: Version on
// two nodes started for each run, alike but for one thing: the second sends its audit trail
// to Debian's rsyslogd over mutual TLS (RFC 5424, RFC 5425 framing). Compare the two with
//
//	go test -run '^$' -bench AuditedCall -count 10 ./bench/api/ | tee fwd.txt
//	go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da -col /forwarding fwd.txt
//
// (make bench-logfwd runs both.)
//
// The run fails when rsyslogd did not receive an audit event for every call the forwarding
// node answered: a benchmark of a forwarder that sent nothing would measure nothing.
func BenchmarkAuditedCall(b *testing.B) {
	rsyslogtest.Need(b)
	setup(b)
	p := rsyslogtest.NewPKI(b, siemIP)
	siem := rsyslogtest.Start(b, siemIP, p)
	off := benchNode(b, forwardOffIP, nil)
	on := benchNode(b, forwardOnIP, func(c *config.Config) {
		c.Machine.Logging.Destinations = []config.LoggingDestination{{
			Endpoint: fmt.Sprintf("tls://%s:%d", siemIP, siem.Port), CA: p.CA.CertPEM,
			ClientCertificate: p.Client.PEMPair(), Sources: []string{config.LogSourceAudit},
		}}
	})
	ctx := context.Background()
	calls := 0
	for _, n := range []struct {
		name string
		c    *client.Client
	}{{"forwarding=off", off}, {"forwarding=on", on}} {
		b.Run(n.name, func(b *testing.B) {
			measure(b, func() error { _, err := n.c.Machine.Version(ctx, &common.Empty{}); return err })
			if n.c == on {
				calls += b.N
			}
		})
	}
	// Each call is one audit event; the node's own events (its start, the first Version that
	// found it ready) come on top.
	deadline := time.Now().Add(2 * time.Minute)
	for got := len(siem.Seqs()); got < calls; got = len(siem.Seqs()) {
		if time.Now().After(deadline) {
			b.Fatalf("rsyslogd received %d audit events for %d calls to the forwarding node\n%s", got, calls, siem.Stderr())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// benchNode starts a node of its own for the benchmark b, stopped when b ends.
func benchNode(b *testing.B, ip string, edit func(*config.Config)) *client.Client {
	b.Helper()
	c, stop, err := runNode(scratch, ip, bundle, adminCtx, edit)
	if stop != nil {
		b.Cleanup(stop)
	}
	if err != nil {
		b.Fatalf("start the node on %s: %v", ip, err)
	}
	return c
}
