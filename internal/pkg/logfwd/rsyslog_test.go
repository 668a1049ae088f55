package logfwd

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-os/cairn/internal/pkg/logfwd/rsyslogtest"
	"github.com/cairn-os/cairn/pkg/machinery/audit"
	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// testEvent is the audit event with sequence number seq of a call by alice.
func testEvent(seq uint64) audit.Event {
	e := audit.Event{Seq: seq, Time: time.Now(), Kind: audit.KindCall, Node: "node-1", RequestID: fmt.Sprintf("req-%d", seq),
		Caller: audit.Identity{Subject: "CN=alice,O=os:admin", Serial: "1f", Fingerprint: "SHA256:ab12", Roles: []string{"os:admin"}, Address: "192.0.2.7:41000"},
		Method: "/cairn.machine.MachineService/Version", Code: "OK", Duration: 1200}
	e.Seal(strings.Repeat("0", 64))
	return e
}

// destination opens a destination to the receiver with the test PKI's client certificate.
func destination(t testing.TB, r *rsyslogtest.Receiver, p *rsyslogtest.PKI, opts DestinationOptions) *Destination {
	t.Helper()
	return destinationAs(t, r, p, p.Client.PEMPair(), opts)
}

// destinationAs opens a destination that presents client (none when zero).
func destinationAs(t testing.TB, r *rsyslogtest.Receiver, p *rsyslogtest.PKI, client pki.PEMPair, opts DestinationOptions) *Destination {
	t.Helper()
	dst := config.LoggingDestination{Endpoint: fmt.Sprintf("tls://%s:%d", r.IP, r.Port), CA: p.CA.CertPEM, ClientCertificate: client}
	tlsCfg, err := TLSConfig(dst, nil)
	if err != nil {
		t.Fatal(err)
	}
	opts.Endpoint, _ = config.ParseLogEndpoint(dst.Endpoint)
	opts.TLS, opts.Format, opts.Sources = tlsCfg, config.LogFormatRFC5424, []string{SourceAudit}
	opts.Host = func() string { return "node-1" }
	d, err := OpenDestination(t.TempDir(), 32<<20, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// TestRsyslogMutualTLS: 10,000 audit events reach rsyslog over TLS with mutual
// authentication; rsyslog is restarted in the middle and every sequence number arrives.
func TestRsyslogMutualTLS(t *testing.T) {
	p := rsyslogtest.NewPKI(t, "127.0.0.7")
	r := rsyslogtest.Start(t, "127.0.0.7", p)
	d := destination(t, r, p, DestinationOptions{CheckpointEvery: 2000, CheckpointInterval: time.Second})
	const n = 10000
	for i := uint64(1); i <= n; i++ {
		if err := d.AppendAudit(testEvent(i), "1"); err != nil {
			t.Fatal(err)
		}
		if i == n/2 {
			r.Restart()
		}
	}
	seqs := r.WaitSeqs(n, 2*time.Minute)
	var missing []uint64
	dups := 0
	for i := uint64(1); i <= n; i++ {
		if seqs[i] == 0 {
			missing = append(missing, i)
		}
		dups += max(seqs[i]-1, 0)
	}
	st := d.Status()
	if len(missing) > 0 {
		t.Fatalf("%d of %d sequence numbers did not arrive (first %v); status %+v\nrsyslogd: %s", len(missing), n, missing[:min(10, len(missing))], st, r.Stderr())
	}
	t.Logf("all %d arrived, %d twice (sent again after the restart); status: sent %d resent %d acknowledged %d", n, dups, st.Sent, st.Resent, st.Acknowledged)
	out := string(r.Output())
	for _, want := range []string{`[cairn@32473 source="audit" seq="1" kind="call" node="node-1" requestId="req-1" subject="CN=alice,O=os:admin"`, `fingerprint="SHA256:ab12" roles="os:admin"`, `outcome="OK"`, "CN=alice,O=os:admin called /cairn.machine.MachineService/Version on node-1: OK"} {
		if !strings.Contains(out, want) {
			t.Errorf("rsyslog did not receive %q", want)
		}
	}
}

// recordingDialer keeps every byte the forwarder writes to the network.
type recordingDialer struct {
	mu      sync.Mutex
	written bytes.Buffer
}

func (rd *recordingDialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &recordingConn{Conn: c, rd: rd}, nil
}

type recordingConn struct {
	net.Conn
	rd *recordingDialer
}

func (c *recordingConn) Write(p []byte) (int, error) {
	c.rd.mu.Lock()
	c.rd.written.Write(p)
	c.rd.mu.Unlock()
	return c.Conn.Write(p)
}

// TestRsyslogWrongCA: a receiver whose certificate does not chain to the destination's CA
// gets nothing, the status names the TLS error, and no byte of an event went on the wire.
func TestRsyslogWrongCA(t *testing.T) {
	good := rsyslogtest.NewPKI(t, "127.0.0.8")
	other := rsyslogtest.NewPKI(t, "127.0.0.8")
	r := rsyslogtest.Start(t, "127.0.0.8", other)
	rd := &recordingDialer{}
	d := destination(t, r, good, DestinationOptions{Dial: rd.dial})
	for i := uint64(1); i <= 10; i++ {
		if err := d.AppendAudit(testEvent(i), "1"); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for d.Status().LastError == "" && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	st := d.Status()
	if !strings.Contains(st.LastError, "TLS handshake with tls://127.0.0.8:") || !strings.Contains(st.LastError, "does not chain to the destination's ca") {
		t.Errorf("status error = %q, want the TLS handshake error naming the CA", st.LastError)
	}
	if st.State == StateConnected || st.QueueEntries != 10 || st.Acknowledged != 0 {
		t.Errorf("status = %+v, want not connected, 10 queued, none acknowledged", st)
	}
	rd.mu.Lock()
	wire := rd.written.String()
	rd.mu.Unlock()
	if wire == "" {
		t.Fatal("the forwarder wrote nothing: it never tried the receiver")
	}
	for _, leak := range []string{"alice", "cairn@32473", "MachineService"} {
		if strings.Contains(wire, leak) {
			t.Errorf("%q went on the wire in clear text", leak)
		}
	}
	time.Sleep(500 * time.Millisecond)
	if out := r.Output(); len(out) > 0 {
		t.Errorf("the receiver wrote %q", out)
	}
}

// TestRsyslogRequiresClientCertificate: the receiver takes nothing from a forwarder without a
// client certificate, so the tests above show mutual authentication.
func TestRsyslogRequiresClientCertificate(t *testing.T) {
	p := rsyslogtest.NewPKI(t, "127.0.0.9")
	r := rsyslogtest.Start(t, "127.0.0.9", p)
	d := destinationAs(t, r, p, pki.PEMPair{}, DestinationOptions{CheckpointInterval: 200 * time.Millisecond})
	if err := d.AppendAudit(testEvent(1), "1"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for d.Status().LastError == "" && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if st := d.Status(); st.LastError == "" || st.Acknowledged != 0 || len(r.Output()) > 0 {
		t.Errorf("status = %+v, receiver got %q; want an error and nothing delivered", st, r.Output())
	}
}
