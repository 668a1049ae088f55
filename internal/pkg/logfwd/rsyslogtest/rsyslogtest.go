// Package rsyslogtest runs Debian's rsyslogd as a syslog-over-TLS receiver for tests: on a
// loopback address and a port it picks, as an unprivileged user when the test runs as root,
// with a configuration it writes (imtcp with the gtls stream driver, mutual authentication),
// writing every message it receives to a file the test reads.
package rsyslogtest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// Binary is Debian's rsyslogd.
const Binary = "/usr/sbin/rsyslogd"

// RequireEnv makes a missing rsyslogd a failure instead of a skip (CI sets it).
const RequireEnv = "CAIRN_REQUIRE_RSYSLOG"

// nobody is the user rsyslogd runs as when the test runs as root.
const nobody = 65534

// Need skips the test when rsyslogd is not installed, or fails it when RequireEnv is 1.
func Need(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(Binary); err != nil {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("%s is missing and %s=1: install the Debian packages rsyslog and rsyslog-gnutls", Binary, RequireEnv)
		}
		t.Skipf("%s is not installed (Debian packages rsyslog and rsyslog-gnutls); set %s=1 to fail instead", Binary, RequireEnv)
	}
}

// PKI is a CA and the certificates a receiver and its client use.
type PKI struct {
	CA     *pki.KeyPair
	Server *pki.KeyPair
	Client *pki.KeyPair
}

// NewPKI makes a CA, a server certificate for ip and a client certificate.
func NewPKI(t testing.TB, ip string) *PKI {
	t.Helper()
	ca, err := pki.NewCA(pki.Request{CommonName: "test-siem-ca"})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ca.Issue(pki.Request{CommonName: "siem", IPAddresses: []net.IP{net.ParseIP(ip)}, Usage: pki.ServerAuth})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := ca.Issue(pki.Request{CommonName: "node-forwarder", Usage: pki.ClientAuth})
	if err != nil {
		t.Fatal(err)
	}
	return &PKI{CA: ca, Server: srv, Client: cl}
}

// Receiver is a running (or stopped) rsyslogd.
type Receiver struct {
	t    testing.TB
	dir  string
	IP   string
	Port int
	cmd  *exec.Cmd
	done chan error
}

// Start writes the configuration and starts rsyslogd on ip (a 127.0.0.x address) with the
// server certificate of p, requiring a client certificate that chains to p's CA.
func Start(t testing.TB, ip string, p *PKI) *Receiver {
	t.Helper()
	Need(t)
	dir, err := os.MkdirTemp("", "rsyslogtest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	r := &Receiver{t: t, dir: dir, IP: ip, Port: freePort(t, ip)}
	files := map[string][]byte{"ca.pem": p.CA.CertPEM, "server.pem": p.Server.CertPEM, "server-key.pem": p.Server.KeyPEM, "rsyslog.conf": r.config()}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "work"), 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		for _, name := range []string{"", "work", "ca.pem", "server.pem", "server-key.pem", "rsyslog.conf"} {
			if err := os.Chown(filepath.Join(dir, name), nobody, nobody); err != nil {
				t.Fatal(err)
			}
		}
	}
	r.start()
	t.Cleanup(r.Stop)
	return r
}

func freePort(t testing.TB, ip string) int {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

// config receives over TLS with mutual authentication and writes each message as received
// (rawmsg: without the octet count) to out.log.
func (r *Receiver) config() []byte {
	return fmt.Appendf(nil, `global(
  workDirectory="%[1]s/work"
  maxMessageSize="64k"
  defaultNetstreamDriver="gtls"
  defaultNetstreamDriverCAFile="%[1]s/ca.pem"
  defaultNetstreamDriverCertFile="%[1]s/server.pem"
  defaultNetstreamDriverKeyFile="%[1]s/server-key.pem"
)
module(load="imtcp" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="x509/certvalid")
input(type="imtcp" address="%[2]s" port="%[3]d")
template(name="raw" type="string" string="%%rawmsg%%\n")
action(type="omfile" file="%[1]s/out.log" template="raw")
`, r.dir, r.IP, r.Port)
}

func (r *Receiver) start() {
	r.t.Helper()
	cmd := exec.Command(Binary, "-n", "-f", filepath.Join(r.dir, "rsyslog.conf"), "-i", filepath.Join(r.dir, "rsyslogd.pid")) //nolint:gosec // Debian's rsyslogd with files the test wrote.
	cmd.Stdout, cmd.Stderr = &syncBuffer{}, &syncBuffer{}
	if os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	}
	if err := cmd.Start(); err != nil {
		r.t.Fatalf("start rsyslogd: %v", err)
	}
	r.cmd, r.done = cmd, make(chan error, 1)
	go func() { r.done <- cmd.Wait() }()
	addr := net.JoinHostPort(r.IP, strconv.Itoa(r.Port))
	for deadline := time.Now().Add(time.Minute); ; {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
			return
		}
		select {
		case err := <-r.done:
			r.t.Fatalf("rsyslogd exited: %v\n%s", err, cmd.Stderr)
		default:
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("rsyslogd does not listen on %s: %v\n%s", addr, err, cmd.Stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop stops rsyslogd (SIGTERM: it writes what it received first) and waits for it.
func (r *Receiver) Stop() {
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(15 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.done
	}
	r.cmd = nil
}

// Restart stops rsyslogd and starts it again on the same address and port.
func (r *Receiver) Restart() {
	r.t.Helper()
	r.Stop()
	r.start()
}

// Output is what rsyslogd wrote so far.
func (r *Receiver) Output() []byte {
	data, err := os.ReadFile(filepath.Join(r.dir, "out.log"))
	if err != nil && !os.IsNotExist(err) {
		r.t.Fatal(err)
	}
	return data
}

// Stderr is what rsyslogd printed.
func (r *Receiver) Stderr() string {
	if r.cmd == nil {
		return ""
	}
	return r.cmd.Stderr.(*syncBuffer).String()
}

var seqRE = regexp.MustCompile(`\[cairn@32473 [^\n]*? seq="([0-9]+)"`)

// Seqs counts the audit sequence numbers received, each as often as it arrived.
func (r *Receiver) Seqs() map[uint64]int {
	out := map[uint64]int{}
	for _, m := range seqRE.FindAllSubmatch(r.Output(), -1) {
		n, _ := strconv.ParseUint(string(m[1]), 10, 64)
		out[n]++
	}
	return out
}

// WaitSeqs waits until every sequence number from 1 to n arrived and returns what did.
func (r *Receiver) WaitSeqs(n uint64, timeout time.Duration) map[uint64]int {
	deadline := time.Now().Add(timeout)
	for {
		seqs := r.Seqs()
		complete := true
		for i := uint64(1); i <= n && complete; i++ {
			complete = seqs[i] > 0
		}
		if complete || time.Now().After(deadline) {
			return seqs
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer safe for the writer goroutine of exec and a reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
