package kubecluster

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/cairn-os/cairn/internal/pkg/kubeapi"
	"github.com/cairn-os/cairn/internal/pkg/kubepki"
	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/secrets"
)

// controlPlane is a running etcd and kube-apiserver with their files under dir.
type controlPlane struct {
	dir    string
	server string // https://127.0.0.1:PORT
	procs  []*exec.Cmd
	logs   []string
	input  kubepki.Input
	cfg    *config.Config
}

func (cp *controlPlane) path(p string) string { return filepath.Join(cp.dir, p) }

// startControlPlane renders the PKI of a control-plane node "cp-1" at 127.0.0.1 and starts
// etcd and kube-apiserver, waiting up to two minutes for the apiserver's /readyz.
func startControlPlane(ctx context.Context, bins binaries) (*controlPlane, error) {
	dir, err := os.MkdirTemp("", "cairn-kubecluster-")
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	cp := &controlPlane{dir: dir, server: "https://127.0.0.1:" + strconv.Itoa(ports[2])}
	if err := cp.renderPKI(ports[2]); err != nil {
		return nil, err
	}
	if err := cp.start(bins.etcd, "etcd", cp.etcdArgs(ports[0], ports[1])...); err != nil {
		return cp, err
	}
	if err := cp.start(bins.kube, "kube-apiserver", cp.apiserverArgs(ports[0], ports[2])...); err != nil {
		return cp, err
	}
	return cp, cp.waitReady(ctx, 2*time.Minute)
}

// renderPKI writes the node's Kubernetes files under dir, at kubeadm's paths below it.
func (cp *controlPlane) renderPKI(apiPort int) error {
	b, err := secrets.New(secrets.Options{})
	if err != nil {
		return err
	}
	endpoint := "https://127.0.0.1:" + strconv.Itoa(apiPort)
	cfg, _, err := config.Generate(config.GenerateInput{ClusterName: "kapi-test", Endpoint: endpoint, Secrets: b})
	if err != nil {
		return err
	}
	cp.cfg = cfg.WithDefaults()
	cp.input = kubepki.FromConfig(cp.cfg, "cp-1", []netip.Addr{netip.MustParseAddr("127.0.0.1")})
	cp.input.LocalAPIPort = apiPort
	files, err := kubepki.Render(cp.input)
	if err != nil {
		return err
	}
	for _, f := range files {
		p := cp.path(f.Path)
		if f.Mode.IsDir() {
			err = os.MkdirAll(p, f.Mode.Perm())
		} else {
			err = os.WriteFile(p, f.Data, f.Mode.Perm())
		}
		if err != nil {
			return err
		}
	}
	return os.Mkdir(cp.path("etcd-data"), 0o700)
}

func (cp *controlPlane) etcdArgs(client, peer int) []string {
	pki := cp.path(kubepki.EtcdPKIDir)
	c, p := "https://127.0.0.1:"+strconv.Itoa(client), "https://127.0.0.1:"+strconv.Itoa(peer)
	return []string{"--name=cp-1", "--data-dir=" + cp.path("etcd-data"),
		"--listen-client-urls=" + c, "--advertise-client-urls=" + c,
		"--listen-peer-urls=" + p, "--initial-advertise-peer-urls=" + p,
		"--initial-cluster=cp-1=" + p, "--initial-cluster-state=new",
		"--client-cert-auth", "--trusted-ca-file=" + pki + "/ca.crt",
		"--cert-file=" + pki + "/server.crt", "--key-file=" + pki + "/server.key",
		"--peer-client-cert-auth", "--peer-trusted-ca-file=" + pki + "/ca.crt",
		"--peer-cert-file=" + pki + "/peer.crt", "--peer-key-file=" + pki + "/peer.key"}
}

func (cp *controlPlane) apiserverArgs(etcdPort, port int) []string {
	pki := cp.path(kubepki.PKIDir)
	return []string{"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--secure-port=" + strconv.Itoa(port),
		"--etcd-servers=https://127.0.0.1:" + strconv.Itoa(etcdPort), "--etcd-cafile=" + pki + "/etcd/ca.crt",
		"--etcd-certfile=" + pki + "/apiserver-etcd-client.crt", "--etcd-keyfile=" + pki + "/apiserver-etcd-client.key",
		"--client-ca-file=" + pki + "/ca.crt", "--tls-cert-file=" + pki + "/apiserver.crt",
		"--tls-private-key-file=" + pki + "/apiserver.key", "--tls-min-version=VersionTLS13",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + pki + "/sa.pub", "--service-account-signing-key-file=" + pki + "/sa.key",
		"--service-cluster-ip-range=" + cp.cfg.Cluster.Network.ServiceSubnets[0],
		"--authorization-mode=Node,RBAC", "--enable-admission-plugins=NodeRestriction",
		"--enable-bootstrap-token-auth=true", "--anonymous-auth=false", "--profiling=false",
		"--cert-dir=" + cp.path("apiserver-certs")}
}

// start runs bin (with name as its first argument for the multi-call kube binary) with its
// output in a log file; it dies with the test process.
func (cp *controlPlane) start(bin, name string, args ...string) error {
	logPath := cp.path(name + ".log")
	out, err := os.Create(logPath)
	if err != nil {
		return err
	}
	if filepath.Base(bin) == "kube" {
		args = append([]string{name}, args...)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", name, err)
	}
	cp.procs, cp.logs = append(cp.procs, cmd), append(cp.logs, logPath)
	return nil
}

// waitReady polls /readyz as the super admin until it answers ok.
func (cp *controlPlane) waitReady(ctx context.Context, limit time.Duration) error {
	cfg, err := kubeapi.LoadKubeconfig(cp.path(kubepki.SuperAdminConf))
	if err != nil {
		return err
	}
	cfg.Server = cp.server
	c, err := kubeapi.New(cfg)
	if err != nil {
		return err
	}
	defer c.CloseIdleConnections()
	deadline := time.Now().Add(limit)
	for {
		err := c.Get(ctx, "/readyz", nil)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("kube-apiserver not ready after %v: %w", limit, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func (cp *controlPlane) stop() {
	for i := len(cp.procs) - 1; i >= 0; i-- {
		_ = cp.procs[i].Process.Kill()
		_ = cp.procs[i].Wait()
	}
	_ = os.RemoveAll(cp.dir)
}

// dumpLogs writes the last 4 KiB of each process's log.
func (cp *controlPlane) dumpLogs(w io.Writer) {
	for _, p := range cp.logs {
		b, _ := os.ReadFile(p)
		if len(b) > 4096 {
			b = b[len(b)-4096:]
		}
		_, _ = fmt.Fprintf(w, "=== %s (tail)\n%s\n", filepath.Base(p), b)
	}
}

// freePorts returns n loopback TCP ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var out []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}
