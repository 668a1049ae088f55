// Package integration runs real Cairn nodes in container mode on loopback addresses and drives
// them with the real cairnctl code over real mTLS. TestMain builds the cairn binary once.
package integration

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cairn-os/cairn/internal/app/cairnctl"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/client"
	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/role"
	"github.com/cairn-os/cairn/pkg/machinery/secrets"
)

// binary is the cairn multi-call binary built by TestMain.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cairn-integration-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "cairn")
	// Built as the image builds it, without cgo (apid's and trustd's seccomp allowlists are
	// for that build); a race build needs cgo, and its services then warn instead.
	args, env := []string{"build", "-tags", "grpcnotrace", "-o", binary}, append(os.Environ(), "CGO_ENABLED=0")
	if os.Getenv("CAIRN_RACE") != "" {
		args, env = append(args, "-race"), os.Environ() // the nodes then report data races on their output
	}
	build := exec.Command("go", append(args, "github.com/cairn-os/cairn/cmd/cairn")...)
	build.Stdout, build.Stderr, build.Env = os.Stderr, os.Stderr, env
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build cairn:", err)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	shared, err = newCluster(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "start the two-node cluster:", err)
		shared.stop()
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	shared.stop()
	for _, n := range []*node{shared.a, shared.b} {
		if strings.Contains(n.out.String(), "DATA RACE") {
			fmt.Fprintf(os.Stderr, "machined %s reported a data race\n", n.ip)
			code = 1
		}
	}
	if code != 0 {
		for _, n := range []*node{shared.a, shared.b} {
			fmt.Fprintf(os.Stderr, "--- machined %s output:\n%s\n", n.ip, tail(n.out.String(), 80))
		}
	}
	shared.stop()
	os.RemoveAll(dir)
	os.Exit(code)
}

// node is one running machined.
type node struct {
	ip    string
	state string
	// env is added to the environment of machined (and so of its services).
	env []string
	// extra are more machined arguments (e.g. --root).
	extra  []string
	config string
	cmd    *exec.Cmd
	out    *syncBuffer
	done   chan struct{}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startNode runs `cairn machined --mode container` on ip with the given config file (or none)
// for one test, and waits until its API answers.
func startNode(t *testing.T, ip, state, cfgFile string) *node {
	t.Helper()
	n := &node{ip: ip, state: state, config: cfgFile}
	if err := n.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		n.stop()
		if strings.Contains(n.out.String(), "DATA RACE") {
			t.Errorf("machined %s reported a data race", n.ip)
		}
		if t.Failed() {
			t.Logf("machined %s output:\n%s", n.ip, tail(n.out.String(), 80))
		}
	})
	return n
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func (n *node) start() error {
	args := []string{"machined", "--mode", "container", "--state", n.state, "--listen", n.ip + ":50000"}
	if n.config != "" {
		args = append(args, "--config", n.config)
	}
	args = append(args, n.extra...)
	n.out = &syncBuffer{}
	name, argv := n.command(args)
	n.cmd = exec.Command(name, argv...)
	n.cmd.Stdout, n.cmd.Stderr = n.out, n.out
	n.cmd.Env = append(os.Environ(), n.env...)
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := n.cmd.Start(); err != nil {
		return fmt.Errorf("start machined on %s: %w", n.ip, err)
	}
	n.done = make(chan struct{})
	go func() { _ = n.cmd.Wait(); close(n.done) }()
	return nil
}

// stop sends SIGTERM and waits for machined (and, through its process group, its services).
func (n *node) stop() {
	if n.cmd == nil || n.cmd.Process == nil {
		return
	}
	select {
	case <-n.done:
		return
	default:
	}
	_ = n.signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(15 * time.Second):
		_ = syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL)
		<-n.done
	}
}

// exited reports whether machined has exited.
func (n *node) exited() bool {
	select {
	case <-n.done:
		return true
	default:
		return false
	}
}

// cluster is two configured control-plane nodes sharing one secrets bundle.
type cluster struct {
	dir     string
	bundle  *secrets.Bundle
	a, b    *node
	configs map[role.Role]string
}

// shared is the two-node cluster (127.0.0.2 and 127.0.0.3) TestMain starts for all tests.
var shared *cluster

func (c *cluster) stop() {
	if c == nil {
		return
	}
	for _, n := range []*node{c.a, c.b} {
		if n != nil {
			n.stop()
		}
	}
}

// newCluster generates secrets, configurations and client configurations for every role, and
// starts both nodes.
func newCluster(dir string) (*cluster, error) {
	b, err := secrets.New(secrets.Options{})
	if err != nil {
		return nil, err
	}
	c := &cluster{dir: dir, bundle: b, configs: map[role.Role]string{}}
	for _, r := range role.All() {
		name := strings.ReplaceAll(strings.TrimPrefix(string(r), "os:"), ":", "-")
		if c.configs[r], err = clientConfig(b, dir, name, r); err != nil {
			return nil, err
		}
	}
	for _, spec := range []struct {
		ip, host string
		dst      **node
	}{{"127.0.0.2", "node-a", &c.a}, {"127.0.0.3", "node-b", &c.b}} {
		cfg, err := writeNodeConfig(b, dir, spec.host)
		if err != nil {
			return nil, err
		}
		n := &node{ip: spec.ip, state: filepath.Join(dir, spec.host+"-state"), config: cfg}
		*spec.dst = n
		if err := n.start(); err != nil {
			return c, err
		}
	}
	for _, n := range []*node{c.a, c.b} {
		if err := waitReady(n, c.configs[role.Admin]); err != nil {
			return c, err
		}
	}
	return c, nil
}

// waitReady polls Version through the node's own endpoint until it answers.
func waitReady(n *node, cairnconfig string) error {
	cfg, err := clientconfig.Load(cairnconfig)
	if err != nil {
		return err
	}
	cc, _, err := cfg.Get("")
	if err != nil {
		return err
	}
	cl, err := client.FromContext(cc, []string{n.ip})
	if err != nil {
		return err
	}
	defer cl.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := cl.Machine.Version(ctx, &common.Empty{})
		cancel()
		if err == nil {
			return nil
		}
		if n.exited() || time.Now().After(deadline) {
			return fmt.Errorf("node %s did not become ready: %w\n%s", n.ip, err, tail(n.out.String(), 40))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ctl runs cairnctl in-process with the given client configuration and returns its exit
// code, stdout and stderr.
func ctl(t *testing.T, cairnconfig string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code := ctlContext(ctx, &out, &errOut, cairnconfig, args...)
	return code, out.String(), errOut.String()
}

func ctlContext(ctx context.Context, out, errOut io.Writer, cairnconfig string, args ...string) int {
	full := append([]string{"--cairnconfig", cairnconfig}, args...)
	return cairnctl.Context{Args: full, Stdout: out, Stderr: errOut, Env: func(string) (string, bool) { return "", false }}.Execute(ctx)
}

// mustCtl runs cairnctl and fails the test unless it succeeds.
func mustCtl(t *testing.T, cairnconfig string, args ...string) string {
	t.Helper()
	code, out, errOut := ctl(t, cairnconfig, args...)
	if code != 0 {
		t.Fatalf("cairnctl %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// writeNodeConfig generates a control-plane configuration named hostname into dir.
func writeNodeConfig(b *secrets.Bundle, dir, hostname string) (string, error) {
	cp, _, err := config.Generate(config.GenerateInput{ClusterName: "it", Endpoint: "https://127.0.0.2:6443", Secrets: b})
	if err != nil {
		return "", err
	}
	cp.Machine.Network.Hostname = hostname
	data, err := cp.Encode()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, hostname+".yaml")
	return path, os.WriteFile(path, data, 0o600)
}

// clientConfig writes a cairnconfig for a role with endpoint 127.0.0.2.
func clientConfig(b *secrets.Bundle, dir, name string, roles ...role.Role) (string, error) {
	ctx, err := clientconfig.Issue(b.Certs.OS, clientconfig.IssueRequest{Name: name, Roles: roles, TTL: time.Hour})
	if err != nil {
		return "", err
	}
	ctx.Endpoints = []string{"127.0.0.2"}
	c := clientconfig.New()
	if err := c.Add(name, ctx, false); err != nil {
		return "", err
	}
	c.Context = name
	path := filepath.Join(dir, name+".cairnconfig")
	return path, c.Save(path, true)
}
