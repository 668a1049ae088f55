package pki

import (
	"context"
	"crypto/tls"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// fipsOnlyEnv marks the child process that TestTLSMutualHandshakeFIPSOnly starts.
const fipsOnlyEnv = "CAIRN_PKI_TLS_CHILD"

// TestTLSMutualHandshake completes a TLS 1.3 mutual handshake on 127.0.0.1 between a server
// and a client certificate issued by the same CA, with only approved groups.
func TestTLSMutualHandshake(t *testing.T) {
	ca, err := NewCA(Request{CommonName: "os-ca"})
	if err != nil {
		t.Fatal(err)
	}
	server, err := ca.Issue(Request{CommonName: "node1", IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, Usage: ServerAuth})
	if err != nil {
		t.Fatal(err)
	}
	client, err := ca.Issue(Request{CommonName: "admin", Organization: []string{"os:admin"}, Usage: ClientAuth})
	if err != nil {
		t.Fatal(err)
	}
	curves := []tls.CurveID{tls.CurveP256, tls.CurveP384}
	srvConf := &tls.Config{
		MinVersion: tls.VersionTLS13, CurvePreferences: curves,
		Certificates: []tls.Certificate{server.TLSCertificate()},
		ClientAuth:   tls.RequireAndVerifyClientCert, ClientCAs: ca.CertPool(),
	}
	cliConf := &tls.Config{
		MinVersion: tls.VersionTLS13, CurvePreferences: curves,
		Certificates: []tls.Certificate{client.TLSCertificate()},
		RootCAs:      ca.CertPool(), ServerName: "127.0.0.1",
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", srvConf)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	peer := make(chan string, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			peer <- "accept: " + err.Error()
			return
		}
		defer conn.Close()
		tc := conn.(*tls.Conn)
		if err := tc.Handshake(); err != nil {
			peer <- "server handshake: " + err.Error()
			return
		}
		peer <- strings.Join(tc.ConnectionState().PeerCertificates[0].Subject.Organization, ",")
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := (&tls.Dialer{Config: cliConf}).DialContext(ctx, "tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("client handshake: %v", err)
	}
	defer conn.Close()
	state := conn.(*tls.Conn).ConnectionState()
	if state.Version != tls.VersionTLS13 {
		t.Errorf("version = %x, want TLS 1.3", state.Version)
	}
	if got := <-peer; got != "os:admin" {
		t.Errorf("server saw client organization %q, want os:admin", got)
	}
}

// TestTLSMutualHandshakeFIPSOnly runs TestTLSMutualHandshake again in a child process under
// GODEBUG=fips140=only, where any non-approved algorithm fails.
func TestTLSMutualHandshakeFIPSOnly(t *testing.T) {
	if os.Getenv(fipsOnlyEnv) != "" {
		t.Skip("already the child")
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestTLSMutualHandshake$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "GODEBUG=fips140=only", fipsOnlyEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("handshake under fips140=only: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "--- PASS: TestTLSMutualHandshake") {
		t.Fatalf("child did not run the handshake test:\n%s", out)
	}
}
