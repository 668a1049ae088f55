package integration

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"

	"github.com/cairn-os/cairn/internal/app/apid"
	"github.com/cairn-os/cairn/internal/app/apid/callmeta"
	auditapi "github.com/cairn-os/cairn/pkg/machinery/api/audit"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// roleContext is the current context of a cairnconfig.
func roleContext(t *testing.T, cairnconfig string) *clientconfig.Context {
	t.Helper()
	cfg, err := clientconfig.Load(cairnconfig)
	if err != nil {
		t.Fatal(err)
	}
	cc, _, err := cfg.Get("")
	if err != nil {
		t.Fatal(err)
	}
	return cc
}

// roleTLS is the client TLS configuration of a cairnconfig.
func roleTLS(t *testing.T, cairnconfig string) *tls.Config {
	t.Helper()
	tc, err := roleContext(t, cairnconfig).TLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	return tc
}

// connFrom opens a gRPC connection to a node's API from the loopback source address src
// (apid caps connections per source address) and closes it when the test ends.
func connFrom(t *testing.T, src, nodeIP string, tc *tls.Config) *grpc.ClientConn {
	t.Helper()
	dial := func(ctx context.Context, addr string) (net.Conn, error) {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
		return d.DialContext(ctx, "tcp", addr)
	}
	conn, err := grpc.NewClient("passthrough:///"+nodeIP+":50000", grpc.WithTransportCredentials(credentials.NewTLS(tc)), grpc.WithContextDialer(dial))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// runningAPID is the process id of the running apid on the node at ip.
func runningAPID(t *testing.T, ip string) int32 {
	t.Helper()
	pid := apidPID(t, ip)
	if pid == 0 {
		t.Fatalf("no running apid on %s", ip)
	}
	return pid
}

// fdCount is the number of open descriptors of a process.
func fdCount(t *testing.T, pid int32) int {
	t.Helper()
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	return len(fds)
}

// TestConnectionCapPerSource: one source address gets at most apid.MaxConnsPerSource
// connections, the excess is refused, apid's descriptors stay bounded and other sources are
// still served.
func TestConnectionCapPerSource(t *testing.T) {
	tc := roleTLS(t, shared.configs[role.Reader])
	pid := runningAPID(t, "127.0.0.3")
	before := fdCount(t, pid)
	const tries = apid.MaxConnsPerSource + 40
	served, refused := 0, 0
	for range tries {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		_, err := machine.NewMachineServiceClient(connFrom(t, "127.0.0.50", "127.0.0.3", tc)).Version(ctx, &common.Empty{})
		cancel()
		switch status.Code(err) {
		case codes.OK:
			served++
		case codes.Unavailable:
			refused++
		default:
			t.Fatalf("Version: %v, want OK or Unavailable (refused)", err)
		}
	}
	grown := fdCount(t, pid) - before
	if served > apid.MaxConnsPerSource || refused < tries-apid.MaxConnsPerSource {
		t.Errorf("%d connections from one source: %d served, %d refused; want at most %d served", tries, served, refused, apid.MaxConnsPerSource)
	}
	if grown > apid.MaxConnsPerSource+16 {
		t.Errorf("apid holds %d more descriptors after %d connections from one source, want at most %d+16", grown, tries, apid.MaxConnsPerSource)
	}
	if _, err := adminClient(t, shared.configs[role.Reader]).Machine.Version(client.WithNodes(context.Background(), "127.0.0.3"), &common.Empty{}); err != nil {
		t.Errorf("Version from another source while one source is at its cap: %v", err)
	}
}

// TestUnauthenticatedConnectionsEnd: a connection that never completes its handshake, and one
// whose client presented no certificate, are closed by apid after a while; neither is held.
func TestUnauthenticatedConnectionsEnd(t *testing.T) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.51")}}
	raw, err := d.Dial("tcp", "127.0.0.3:50000")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	roots, err := clientconfig.ParseCAs(shared.bundle.Certs.OS.CertPEM)
	if err != nil {
		t.Fatal(err)
	}
	anon := connFrom(t, "127.0.0.51", "127.0.0.3", &tls.Config{MinVersion: tls.VersionTLS13, RootCAs: roots})
	_, err = machine.NewMachineServiceClient(anon).Version(context.Background(), &common.Empty{})
	if status.Code(err) != codes.Unauthenticated {
		t.Fatalf("Version without a certificate: %v, want Unauthenticated", err)
	}
	// Bounds far above apid's (a few seconds for the handshake, 30 s without a certificate)
	// and below the defaults they replace (120 s, never).
	_ = raw.SetReadDeadline(time.Now().Add(60 * time.Second))
	if _, err := raw.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("a connection that sent nothing: read = %v, want it closed by apid", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	for anon.GetState() == connectivity.Ready {
		if !anon.WaitForStateChange(ctx, connectivity.Ready) {
			t.Fatal("a connection without a client certificate is still open after 90 s")
		}
	}
}

// TestProxyTargets: the nodes metadata is bounded, names only the API port, and an unreachable
// node is reported plainly, with the details in the audit event only.
func TestProxyTargets(t *testing.T) {
	cl := adminClient(t, shared.configs[role.EtcdBackup])
	ctx := context.Background()
	many := make([]string, callmeta.MaxNodes+1)
	for i := range many {
		many[i] = fmt.Sprintf("127.0.9.%d", i+1)
	}
	_, err := cl.Machine.Version(client.WithNodes(ctx, strings.Join(many, ",")), &common.Empty{})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "more than 64 nodes in one call") {
		t.Errorf("Version to %d nodes: %v, want InvalidArgument naming the limit", len(many), err)
	}
	_, err = cl.Machine.Version(client.WithNodes(ctx, "127.0.0.3:22"), &common.Empty{})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), `"127.0.0.3:22": nodes serve the API on port 50000`) {
		t.Errorf("Version to port 22: %v, want InvalidArgument", err)
	}
	banner := notTLS(t, "127.0.0.61")
	for _, n := range []string{"127.0.0.9", banner} {
		_, err = cl.Machine.Version(client.WithNodes(ctx, n), &common.Empty{})
		if want := fmt.Sprintf("node %q is unreachable", n); status.Code(err) != codes.Unavailable || status.Convert(err).Message() != want {
			t.Errorf("Version to %s: %v, want Unavailable %q", n, err, want)
		}
	}
	_, errOut := mustFailCtl(t, shared.configs[role.EtcdBackup], "version", "-n", "127.0.0.3,127.0.0.9")
	wantContains(t, "version stderr", errOut, "node 127.0.0.9: unreachable\n")
	if strings.Contains(errOut, "refused") || strings.Contains(errOut, "dial") {
		t.Errorf("the reply tells how the dial failed:\n%s", errOut)
	}
	out := mustCtl(t, shared.configs[role.Auditor], "audit", "log", "-o", "json")
	wantContains(t, "audit events", out, `node \"127.0.0.9\" unreachable:`, "connection refused", "first record does not look like a TLS handshake")
}

// notTLS listens on ip:50000 like a service that is not Cairn's API, and returns ip.
// TestProxySilentNode: a node that accepts TCP and never answers is reported unreachable once
// apid's connect timeout passes, well inside the caller's 15 s deadline (grpc's default connect
// timeout is 20 s, which would end this call with DeadlineExceeded instead).
func TestProxySilentNode(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.63:50000")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { _ = l.Close(); <-done })
	go func() {
		defer close(done)
		var held []net.Conn // read nothing, answer nothing
		defer func() {
			for _, c := range held {
				_ = c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	cl := adminClient(t, shared.configs[role.Reader])
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_, err = cl.Machine.Version(client.WithNodes(ctx, "127.0.0.63"), &common.Empty{})
	if want := `node "127.0.0.63" is unreachable`; status.Code(err) != codes.Unavailable || status.Convert(err).Message() != want {
		t.Errorf("Version to a silent node: %v, want Unavailable %q", err, want)
	}
}

func notTLS(t *testing.T, ip string) string {
	t.Helper()
	l, err := net.Listen("tcp", ip+":50000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte("SSH-2.0-OpenSSH_9.2\r\n"))
			_ = c.Close()
		}
	}()
	return ip
}

func mustFailCtl(t *testing.T, cairnconfig string, args ...string) (string, string) {
	t.Helper()
	code, out, errOut := ctl(t, cairnconfig, args...)
	if code == 0 {
		t.Fatalf("cairnctl %s succeeded, want failure:\n%s", strings.Join(args, " "), out)
	}
	return out, errOut
}

// TestProxyConnectionsBounded: calls to 1000 distinct live targets leave apid with at most
// apid.MaxNodeConns connections to them.
func TestProxyConnectionsBounded(t *testing.T) {
	const targets = 1000
	ips := fakeNodes(t, targets)
	pid := runningAPID(t, "127.0.0.2")
	before := fdCount(t, pid)
	cl := adminClient(t, shared.configs[role.EtcdBackup])
	for i := 0; i < targets; i += callmeta.MaxNodes {
		batch := ips[i:min(i+callmeta.MaxNodes, targets)]
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		resp, err := cl.Machine.Version(client.WithNodes(ctx, strings.Join(batch, ",")), &common.Empty{})
		cancel()
		if err != nil && len(batch) > 1 {
			t.Fatalf("Version to %d fake nodes: %v", len(batch), err)
		}
		if m := resp.GetMessages(); len(batch) > 1 && (len(m) != len(batch) || m[0].GetMetadata().GetCode() != uint32(codes.Unimplemented)) {
			t.Fatalf("Version to %d fake nodes: %d replies, first %v; want each Unimplemented", len(batch), len(m), m[0].GetMetadata())
		}
	}
	if grown := fdCount(t, pid) - before; grown > apid.MaxNodeConns+16 {
		t.Errorf("apid holds %d more descriptors after calls to %d nodes, want at most %d+16", grown, targets, apid.MaxNodeConns)
	}
}

// fakeNodes serves an empty gRPC server, with a server certificate of the cluster's OS CA, on
// n loopback addresses at the API port, and returns the addresses.
func fakeNodes(t *testing.T, n int) []string {
	t.Helper()
	ips := make([]string, n)
	nips := make([]net.IP, n)
	for i := range n {
		nips[i] = net.IPv4(127, 0, byte(16+i/250), byte(1+i%250))
		ips[i] = nips[i].String()
	}
	kp, err := shared.bundle.Certs.OS.Issue(pki.Request{CommonName: "fake-node", IPAddresses: nips, Usage: pki.ServerAuth})
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(kp.CertPEM, kp.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer(grpc.Creds(credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cert}})))
	t.Cleanup(gs.Stop)
	for _, ip := range ips {
		l, err := net.Listen("tcp", ip+":50000")
		if err != nil {
			t.Fatal(err)
		}
		go func() { _ = gs.Serve(l) }()
	}
	return ips
}

// rawBytes is a codec that sends the bytes it is given, to send malformed messages.
type rawBytes struct{}

func (rawBytes) Marshal(v any) ([]byte, error)      { return *v.(*[]byte), nil }
func (rawBytes) Unmarshal(data []byte, v any) error { *v.(*[]byte) = data; return nil }
func (rawBytes) Name() string                       { return "proto" }

// TestMalformedRequest: bytes that are no valid request message are the caller's error.
func TestMalformedRequest(t *testing.T) {
	conn := connFrom(t, "127.0.0.1", "127.0.0.2", roleTLS(t, shared.configs[role.Admin]))
	for _, nodes := range []string{"", "127.0.0.3"} {
		ctx := context.Background()
		if nodes != "" {
			ctx = client.WithNodes(ctx, nodes)
		}
		req, resp := []byte{0x0a, 0xff, 0xff}, []byte(nil)
		err := conn.Invoke(ctx, "/cairn.machine.MachineService/ApplyConfiguration", &req, &resp, grpc.ForceCodec(rawBytes{}))
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "is not a valid cairn.machine.ApplyConfigurationRequest") {
			t.Errorf("malformed ApplyConfiguration (nodes %q): %v, want InvalidArgument", nodes, err)
		}
	}
}

// TestStopWithOpenStreams: restarting apid while follow streams are open ends them with a
// clear status from apid itself, which then exits on its own (not killed at the supervisor's
// stop timeout).
func TestStopWithOpenStreams(t *testing.T) {
	cfg := roleTLS(t, shared.configs[role.Admin])
	cl, err := client.New([]string{"127.0.0.3"}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	pid := runningAPID(t, "127.0.0.3")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	logs, err := cl.Machine.Logs(ctx, &machine.LogsRequest{Id: "apid", Follow: true, TailLines: 1})
	if err != nil {
		t.Fatal(err)
	}
	events, err := cl.Audit.Log(ctx, &auditapi.LogRequest{Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := logs.Recv(); err != nil {
		t.Fatal(err)
	}
	mustCtl(t, shared.configs[role.Admin], "service", "apid", "restart", "-n", "127.0.0.3")
	wantStopped(t, "logs -f", func() error { _, err := logs.Recv(); return err })
	wantStopped(t, "audit log -f", func() error { _, err := events.Recv(); return err })
	if err := waitReady(shared.b, shared.configs[role.Admin]); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
		t.Errorf("the old apid (pid %d) still runs", pid)
	}
	wantContains(t, "apid log", mustCtl(t, shared.configs[role.Admin], "logs", "apid", "-n", "127.0.0.3"), "API stopped")
}

// wantStopped reads a stream until it ends and wants the status apid sends when it stops.
func wantStopped(t *testing.T, what string, recv func() error) {
	t.Helper()
	for {
		err := recv()
		if err == nil {
			continue
		}
		if st := status.Convert(err); st.Code() != codes.Unavailable || !strings.Contains(st.Message(), "apid is stopping") {
			t.Errorf("%s ended with %v, want Unavailable from apid saying it is stopping", what, err)
		}
		return
	}
}

// TestStreamsPerCaller: one caller gets at most apid.MaxCallsPerCaller calls in progress; the
// next is refused with ResourceExhausted while another caller is still served.
func TestStreamsPerCaller(t *testing.T) {
	cl := adminClient(t, shared.configs[role.Reader])
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	follow := func() error {
		s, err := cl.Machine.Logs(ctx, &machine.LogsRequest{Id: "apid", Follow: true, TailLines: 1})
		if err == nil {
			_, err = s.Recv()
		}
		return err
	}
	for i := range apid.MaxCallsPerCaller {
		if err := follow(); err != nil {
			t.Fatalf("follow stream %d: %v", i+1, err)
		}
	}
	if err := follow(); status.Code(err) != codes.ResourceExhausted || !strings.Contains(err.Error(), "calls in progress, the most one caller may have") {
		t.Errorf("follow stream %d of one caller: %v, want ResourceExhausted", apid.MaxCallsPerCaller+1, err)
	}
	if _, err := adminClient(t, shared.configs[role.Operator]).Machine.Version(ctx, &common.Empty{}); err != nil {
		t.Errorf("another caller while the first is at its cap: %v", err)
	}
	cancel()
}
