package etcdtest

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cairn-os/cairn/internal/pkg/kubepki"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// Cluster is a set of etcd members on loopback, each on an address of its own (127.0.0.11,
// .12, ...) with free ports, sharing one etcd CA.
type Cluster struct {
	t   testing.TB
	bin string
	ca  *pki.KeyPair
	// PKIDir holds ca.crt and healthcheck-client.crt/.key, the names kubepki gives them on a
	// node: etcdops.NewClient reads it.
	PKIDir  string
	Members []*Member
	client  tls.Certificate
	extra   []string
	// Healthy is when every member first answered healthy.
	Healthy time.Time
}

// Member is one etcd process.
type Member struct {
	Name, IP, ClientURL, PeerURL, DataDir string

	cert    *pki.KeyPair
	certDir string
	cmd     *exec.Cmd
	done    chan struct{}
	logPath string
}

// Start starts an n-member cluster, each member with the extra flags, and waits until every
// member is healthy.
func Start(t testing.TB, n int, extra ...string) *Cluster {
	t.Helper()
	c := newCluster(t)
	c.extra = extra
	for i := range n {
		c.Members = append(c.Members, c.newMember(fmt.Sprintf("node-%d", i+1), fmt.Sprintf("127.0.0.%d", 11+i)))
	}
	var initial []string
	for _, m := range c.Members {
		initial = append(initial, m.Name+"="+m.PeerURL)
	}
	for _, m := range c.Members {
		c.start(m, strings.Join(initial, ","), "new")
	}
	for _, m := range c.Members {
		c.waitHealthy(m)
	}
	c.Healthy = time.Now()
	return c
}

// HealthInterval is how long etcd's members must have been connected before etcd allows a
// member to remove itself (etcdserver.HealthInterval, its strict reconfiguration check).
const HealthInterval = 5 * time.Second

// Settle waits until the members have been connected for longer than HealthInterval.
func (c *Cluster) Settle() { time.Sleep(time.Until(c.Healthy.Add(HealthInterval + time.Second))) }

// Restore restores snapshot into a new one-member cluster with etcdutl (which checks the
// snapshot's sha256) and starts it.
func Restore(t testing.TB, snapshot string) *Cluster {
	t.Helper()
	c := newCluster(t)
	m := c.newMember("restored", "127.0.0.21")
	c.Members = []*Member{m}
	initial := m.Name + "=" + m.PeerURL
	cmd := exec.Command(Etcdutl(t), "snapshot", "restore", snapshot, "--data-dir", m.DataDir, //nolint:gosec // the test's own etcdutl and files.
		"--name", m.Name, "--initial-cluster", initial, "--initial-advertise-peer-urls", m.PeerURL)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("etcdutl snapshot restore %s: %v\n%s", snapshot, err, out)
	}
	c.start(m, initial, "new")
	c.waitHealthy(m)
	return c
}

// NewMember makes a member's certificate and addresses without starting it: its PeerURL is what
// the cluster adds before Start.
func (c *Cluster) NewMember(name, ip string) *Member {
	c.t.Helper()
	return c.newMember(name, ip)
}

// StartJoining starts m, made by NewMember, as a member joining the running cluster with
// initial, appends it to Members and waits until it answers healthy.
func (c *Cluster) StartJoining(m *Member, initial string) {
	c.t.Helper()
	c.Members = append(c.Members, m)
	c.start(m, initial, "existing")
	c.waitHealthy(m)
}

func newCluster(t testing.TB) *Cluster {
	t.Helper()
	ca, err := pki.NewCA(pki.Request{CommonName: "etcd-ca"})
	if err != nil {
		t.Fatal(err)
	}
	client, err := ca.Issue(pki.Request{CommonName: kubepki.EtcdHealthcheckCN, Usage: pki.ClientAuth})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFiles(t, dir, map[string][]byte{"ca.crt": ca.CertPEM, "healthcheck-client.crt": client.CertPEM, "healthcheck-client.key": client.KeyPEM})
	return &Cluster{t: t, bin: Binary(t), ca: ca, PKIDir: dir, client: client.TLSCertificate()}
}

func (c *Cluster) newMember(name, ip string) *Member {
	c.t.Helper()
	cert, err := c.ca.Issue(pki.Request{CommonName: name, DNSNames: []string{name, "localhost"},
		IPAddresses: []net.IP{net.ParseIP(ip)}, Usage: pki.ServerAuth | pki.ClientAuth})
	if err != nil {
		c.t.Fatal(err)
	}
	dir := c.t.TempDir()
	m := &Member{Name: name, IP: ip, cert: cert, certDir: filepath.Join(dir, "pki"), DataDir: filepath.Join(dir, "data"), logPath: filepath.Join(dir, "etcd.log")}
	m.ClientURL = "https://" + freePort(c.t, ip)
	m.PeerURL = "https://" + freePort(c.t, ip)
	writeFiles(c.t, m.certDir, map[string][]byte{"ca.crt": c.ca.CertPEM, "server.crt": cert.CertPEM, "server.key": cert.KeyPEM})
	return m
}

// start runs the member's etcd with the flags kubeservice gives etcd on a node (TLS 1.3, client
// and peer certificate authentication).
func (c *Cluster) start(m *Member, initial, state string) {
	c.t.Helper()
	p := func(f string) string { return filepath.Join(m.certDir, f) }
	args := []string{
		"--name", m.Name, "--data-dir", m.DataDir,
		"--listen-client-urls", m.ClientURL, "--advertise-client-urls", m.ClientURL,
		"--listen-peer-urls", m.PeerURL, "--initial-advertise-peer-urls", m.PeerURL,
		"--initial-cluster", initial, "--initial-cluster-state", state,
		"--cert-file", p("server.crt"), "--key-file", p("server.key"), "--trusted-ca-file", p("ca.crt"), "--client-cert-auth",
		"--peer-cert-file", p("server.crt"), "--peer-key-file", p("server.key"), "--peer-trusted-ca-file", p("ca.crt"), "--peer-client-cert-auth",
		"--tls-min-version", "TLS1.3", "--listen-metrics-urls", "",
	}
	args = append(args, c.extra...)
	log, err := os.Create(m.logPath)
	if err != nil {
		c.t.Fatal(err)
	}
	m.cmd = exec.Command(c.bin, args...) //nolint:gosec // the pinned etcd this helper built, with its own flags.
	m.cmd.Stdout, m.cmd.Stderr = log, log
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := m.cmd.Start(); err != nil {
		c.t.Fatalf("start etcd %s: %v", m.Name, err)
	}
	m.done = make(chan struct{})
	go func() { _ = m.cmd.Wait(); _ = log.Close(); close(m.done) }()
	c.t.Cleanup(func() { c.stop(m) })
}

// Stop stops member i (SIGTERM, then SIGKILL after 10 s) and waits for it to exit.
func (c *Cluster) Stop(i int) { c.stop(c.Members[i]) }

func (c *Cluster) stop(m *Member) {
	if m.cmd == nil {
		return
	}
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.done:
	case <-time.After(10 * time.Second):
		_ = m.cmd.Process.Kill()
		<-m.done
	}
}

// Exited waits up to d for member i to exit by itself (a removed member stops).
func (c *Cluster) Exited(i int, d time.Duration) bool {
	select {
	case <-c.Members[i].done:
		return true
	case <-time.After(d):
		return false
	}
}

// HTTP returns an HTTP client with the etcd client certificate, for test reads and writes
// through etcd's JSON gateway.
func (c *Cluster) HTTP() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil,
		TLSClientConfig: &tls.Config{Certificates: []tls.Certificate{c.client}, RootCAs: c.ca.CertPool(), MinVersion: tls.VersionTLS13}}}
}

// waitHealthy waits up to 30 s for the member's /health to say true.
func (c *Cluster) waitHealthy(m *Member) {
	c.t.Helper()
	hc := c.HTTP()
	defer hc.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, m.ClientURL+"/health", nil)
		if resp, err := hc.Do(req); err == nil {
			ok := resp.StatusCode == http.StatusOK
			_ = resp.Body.Close()
			if ok {
				return
			}
		}
		select {
		case <-m.done:
			c.t.Fatalf("etcd %s exited before it was healthy:\n%s", m.Name, c.Log(m))
		case <-time.After(100 * time.Millisecond):
		}
	}
	c.t.Fatalf("etcd %s not healthy after 30 s:\n%s", m.Name, c.Log(m))
}

// Log returns the last 4 KiB of a member's log, for a failure message.
func (c *Cluster) Log(m *Member) string {
	b, _ := os.ReadFile(m.logPath)
	if len(b) > 4096 {
		b = b[len(b)-4096:]
	}
	return string(b)
}

// freePort returns ip:port with a port nobody listens on now.
func freePort(t testing.TB, ip string) string {
	t.Helper()
	l, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String()
}

func writeFiles(t testing.TB, dir string, files map[string][]byte) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}
