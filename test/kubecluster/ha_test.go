package kubecluster

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairn-os/cairn/internal/controllers/kubecluster"
	"github.com/cairn-os/cairn/internal/pkg/apilb"
	"github.com/cairn-os/cairn/internal/pkg/etcdops"
	"github.com/cairn-os/cairn/internal/pkg/etcdops/etcdtest"
	"github.com/cairn-os/cairn/internal/pkg/kubeapi"
	"github.com/cairn-os/cairn/internal/pkg/kubepki"
	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/secrets"
)

// haNode is one control-plane node of the HA test: etcd, kube-apiserver,
// kube-controller-manager and kube-scheduler on a loopback address of its own, with the files
// kubepki gives that node.
type haNode struct {
	*controlPlane
	name string
	ip   string
	// each component's process index in procs, for killing one node's components
	idx map[string]int
}

func (n *haNode) etcdURL() string { return "https://" + net.JoinHostPort(n.ip, "2379") }
func (n *haNode) peerURL() string { return "https://" + net.JoinHostPort(n.ip, "2380") }
func (n *haNode) apiAddr() string { return net.JoinHostPort(n.ip, "6443") }

// advertised is the address the node's apiserver advertises in the "kubernetes" service: the
// apiserver refuses loopback addresses there, so each advertises one of TEST-NET-1 (RFC 5737),
// which nothing ever dials: the test maps it back to the node's loopback address.
func (n *haNode) advertised() string { return strings.Replace(n.ip, "127.0.0.", "192.0.2.", 1) }

// kill stops every component of the node at once (SIGKILL), as a control plane that loses power.
func (n *haNode) kill() {
	for _, i := range n.idx {
		_ = n.procs[i].Process.Kill()
		_ = n.procs[i].Wait()
	}
	n.idx = map[string]int{}
}

// stop kills the named components of the node.
func (n *haNode) stop(names ...string) {
	for _, name := range names {
		if i, ok := n.idx[name]; ok {
			_ = n.procs[i].Process.Kill()
			_ = n.procs[i].Wait()
			delete(n.idx, name)
		}
	}
}

func (n *haNode) run(t *testing.T, bin, name string, args ...string) {
	t.Helper()
	if err := n.start(bin, name, args...); err != nil {
		t.Fatal(err)
	}
	n.idx[name] = len(n.procs) - 1
}

// newHANode renders the node's files from the cluster's configuration.
func newHANode(t *testing.T, cfg *config.Config, i int) *haNode {
	t.Helper()
	n := &haNode{controlPlane: &controlPlane{dir: t.TempDir(), cfg: cfg}, name: fmt.Sprintf("cp-%d", i), ip: fmt.Sprintf("127.0.0.%d", 70+i), idx: map[string]int{}}
	n.input = kubepki.FromConfig(cfg, n.name, []netip.Addr{netip.MustParseAddr(n.ip)})
	files, err := kubepki.Render(n.input)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		p := n.path(f.Path)
		data := f.Data
		if strings.HasSuffix(f.Path, ".conf") {
			// The components' kubeconfigs name 127.0.0.1:6443, this node's apiserver on a node.
			data = bytes.ReplaceAll(data, []byte("https://127.0.0.1:6443"), []byte("https://"+n.apiAddr()))
		}
		if f.Mode.IsDir() {
			err = os.MkdirAll(p, f.Mode.Perm())
		} else {
			err = os.WriteFile(p, data, f.Mode.Perm())
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(n.path("etcd-data"), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			n.dumpLogs(os.Stderr)
		}
		n.kill()
	})
	return n
}

func (n *haNode) startEtcd(t *testing.T, bins binaries, initial, state string) {
	t.Helper()
	pki := n.path(kubepki.EtcdPKIDir)
	n.run(t, bins.etcd, "etcd", "--name="+n.name, "--data-dir="+n.path("etcd-data"),
		"--listen-client-urls="+n.etcdURL(), "--advertise-client-urls="+n.etcdURL(),
		"--listen-peer-urls="+n.peerURL(), "--initial-advertise-peer-urls="+n.peerURL(),
		"--initial-cluster="+initial, "--initial-cluster-state="+state,
		"--client-cert-auth", "--trusted-ca-file="+pki+"/ca.crt",
		"--cert-file="+pki+"/server.crt", "--key-file="+pki+"/server.key",
		"--peer-client-cert-auth", "--peer-trusted-ca-file="+pki+"/ca.crt",
		"--peer-cert-file="+pki+"/peer.crt", "--peer-key-file="+pki+"/peer.key", "--tls-min-version=TLS1.3")
}

// startControlPlane starts the apiserver (on the node's own etcd member, as on a node), then
// the controller-manager and the scheduler with leader election.
func (n *haNode) startControlPlane(t *testing.T, bins binaries) {
	t.Helper()
	args := n.apiserverArgs(0, 6443)
	for i, a := range args {
		switch {
		case strings.HasPrefix(a, "--bind-address="):
			args[i] = "--bind-address=" + n.ip
		case strings.HasPrefix(a, "--advertise-address="):
			args[i] = "--advertise-address=" + n.advertised()
		case strings.HasPrefix(a, "--etcd-servers="):
			args[i] = "--etcd-servers=" + n.etcdURL()
		}
	}
	n.run(t, bins.kube, "kube-apiserver", args...)
	n.run(t, bins.kube, "kube-controller-manager", "--kubeconfig="+n.path(kubepki.ControllerManagerConf),
		"--leader-elect=true", "--bind-address="+n.ip, "--controllers=*,-serviceaccount-token")
	n.run(t, bins.kube, "kube-scheduler", "--kubeconfig="+n.path(kubepki.SchedulerConf),
		"--leader-elect=true", "--bind-address="+n.ip)
}

// client is a client of the kubeconfig conf of the node, to server.
func (n *haNode) clientTo(t *testing.T, conf, server string) *kubeapi.Client {
	t.Helper()
	cfg, err := kubeapi.LoadKubeconfig(n.path(conf))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Server = server
	c, err := kubeapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func (n *haNode) etcd(t *testing.T) *etcdops.Client {
	t.Helper()
	c, err := etcdops.NewClient(n.path(kubepki.EtcdPKIDir), n.etcdURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// leaderLog reports whether the component's log on the node says it took its lease.
func (n *haNode) leaderLog(component string) bool {
	b, _ := os.ReadFile(n.path(component + ".log"))
	return bytes.Contains(bytes.ToLower(b), []byte("successfully acquired lease"))
}

// TestHAControlPlanes runs three control-plane nodes as processes on loopback addresses of
// their own (etcd, kube-apiserver, kube-controller-manager, kube-scheduler; the binaries the
// image carries) behind the node's load balancer for the Kubernetes API, and walks an
// operator's year: the second and third nodes join etcd as learners through the first and are
// promoted (etcdops.JoinThrough and PromoteSelf, as machined does); the cluster lists the three
// apiservers (what the balancers are fed); the node holding the controller-manager's lease
// loses power and writes through the balancer go on while another controller-manager takes
// the lease; the node comes back with its data; a dead node's member is removed (removing a
// healthy one then is refused: quorum); another leaves; and a snapshot of what is left
// restores into a new etcd with every key.
func TestHAControlPlanes(t *testing.T) {
	bins, err := findBinaries()
	if err != nil {
		var missing *missingError
		if asMissing(err, &missing) && os.Getenv("CI") == "" {
			t.Skipf("%v (build the image first: make image)", err)
		}
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	b, err := secrets.New(secrets.Options{})
	if err != nil {
		t.Fatal(err)
	}
	gen, _, err := config.Generate(config.GenerateInput{ClusterName: "ha-test", Endpoint: "https://127.0.0.71:6443", Secrets: b})
	if err != nil {
		t.Fatal(err)
	}
	cfg := gen.WithDefaults()
	nodes := []*haNode{newHANode(t, cfg, 1), newHANode(t, cfg, 2), newHANode(t, cfg, 3)}
	one := nodes[0]

	// The first node bootstraps.
	one.startEtcd(t, bins, one.name+"="+one.peerURL(), "new")
	one.startControlPlane(t, bins)
	admin := one.clientTo(t, kubepki.SuperAdminConf, "https://"+one.apiAddr())
	waitReadyz(ctx, t, admin)
	t.Log("the first control plane is ready")

	// The others join as learners through the addresses they know and are promoted.
	for _, n := range nodes[1:] {
		start := time.Now()
		endpoints := []string{n.etcdURL(), one.etcdURL()} // its own (nothing there yet) first
		j, via, err := etcdops.JoinThrough(ctx, n.path(kubepki.EtcdPKIDir), endpoints, n.name, n.peerURL())
		if err != nil {
			t.Fatalf("%s: join: %v", n.name, err)
		}
		if via != one.etcdURL() || !j.Member.Learner {
			t.Fatalf("%s: joined through %s as %+v, want a learner through %s", n.name, via, j.Member, one.etcdURL())
		}
		n.startEtcd(t, bins, j.InitialCluster, "existing")
		var promoted bool
		for !promoted {
			promoted, err = etcdops.PromoteSelf(ctx, n.path(kubepki.EtcdPKIDir), []string{n.etcdURL(), one.etcdURL()}, n.peerURL())
			if err != nil && ctx.Err() != nil {
				t.Fatalf("%s: promote: %v", n.name, err)
			}
			if !promoted {
				time.Sleep(500 * time.Millisecond) // as machined asks again, not in a tight loop
			}
		}
		n.startControlPlane(t, bins)
		waitReadyz(ctx, t, n.clientTo(t, kubepki.SuperAdminConf, "https://"+n.apiAddr()))
		t.Logf("%s joined as a learner and was promoted in %v (its apiserver ready too)", n.name, time.Since(start).Round(time.Millisecond))
	}
	_, members, err := one.etcd(t).Members(ctx, true)
	if err != nil || len(members) != 3 {
		t.Fatalf("members = %+v, %v; want 3", members, err)
	}
	for _, m := range members {
		if m.Learner {
			t.Errorf("member %s is still a learner", m.Name)
		}
	}

	// What the balancers are fed: the cluster lists every apiserver.
	var listed []netip.AddrPort
	for len(listed) < 3 {
		if listed, err = kubecluster.APIServers(ctx, admin); err != nil && ctx.Err() != nil {
			t.Fatalf("APIServers: %v (listed %v)", err, listed)
		}
		if len(listed) < 3 {
			time.Sleep(time.Second)
		}
	}
	var backends []string
	for _, a := range listed {
		for _, n := range nodes {
			if a.Addr().String() == n.advertised() {
				backends = append(backends, net.JoinHostPort(n.ip, strconv.Itoa(int(a.Port()))))
			}
		}
	}
	if len(backends) != 3 {
		t.Fatalf("the cluster lists apiservers %v, want the three nodes' %s, %s, %s", listed, nodes[0].advertised(), nodes[1].advertised(), nodes[2].advertised())
	}
	lb := apilb.New(slog.New(slog.DiscardHandler), backends...)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lbCtx, lbStop := context.WithCancel(ctx)
	defer lbStop()
	go func() { _ = lb.Serve(lbCtx, ln) }()
	through := one.clientTo(t, kubepki.SuperAdminConf, "https://"+ln.Addr().String())

	want := 200
	if s := os.Getenv("CAIRN_HA_CONFIGMAPS"); s != "" {
		if want, err = strconv.Atoi(s); err != nil {
			t.Fatalf("CAIRN_HA_CONFIGMAPS=%q: %v", s, err)
		}
	}
	start := time.Now()
	for i := range want {
		createConfigMap(ctx, t, through, fmt.Sprintf("before-%d", i))
	}
	t.Logf("%d ConfigMaps written through the balancer in %v", want, time.Since(start).Round(time.Millisecond))

	// The node holding the controller-manager's lease loses power.
	var holder *haNode
	for holder == nil {
		for _, n := range nodes {
			if n.leaderLog("kube-controller-manager") {
				holder = n
			}
		}
		if holder == nil {
			if ctx.Err() != nil {
				t.Fatal("no controller-manager took its lease")
			}
			time.Sleep(time.Second)
		}
	}
	holder.kill()
	killed := time.Now()
	var rest []*haNode
	for _, n := range nodes {
		if n != holder {
			rest = append(rest, n)
		}
	}
	for i := 0; ; i++ {
		err := tryConfigMap(ctx, through, "after-kill-0")
		if err == nil {
			break
		}
		if ctx.Err() != nil || i > 120 {
			t.Fatalf("no write through the balancer after %s went down: %v", holder.name, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("%s (controller-manager leader) killed: the next write through the balancer went through %v later", holder.name, time.Since(killed).Round(time.Millisecond))
	for i := 1; i < 20; i++ {
		createConfigMap(ctx, t, through, fmt.Sprintf("after-kill-%d", i))
	}
	for !rest[0].leaderLog("kube-controller-manager") && !rest[1].leaderLog("kube-controller-manager") {
		if ctx.Err() != nil {
			t.Fatalf("no other controller-manager took the lease after %s went down", holder.name)
		}
		time.Sleep(time.Second)
	}
	t.Logf("another controller-manager holds the lease %v after the kill", time.Since(killed).Round(time.Second))

	// It comes back with its data (etcd ignores the initial cluster then).
	holder.startEtcd(t, bins, holder.name+"="+holder.peerURL(), "new")
	holder.startControlPlane(t, bins)
	waitReadyz(ctx, t, holder.clientTo(t, kubepki.SuperAdminConf, "https://"+holder.apiAddr()))
	waitHealthy(ctx, t, one.etcd(t), holder.name)
	t.Logf("%s is back, its member healthy", holder.name)

	// A dead node's member is removed; removing a healthy one meanwhile is refused (the two
	// left would need both for a quorum, and one is dead).
	dead, stays, leaves := nodes[2], nodes[0], nodes[1]
	dead.kill()
	ec := stays.etcd(t)
	deadID, leavesID := memberID(ctx, t, ec, dead.name), memberID(ctx, t, ec, leaves.name)
	var rerr error
	for {
		// etcd may still be electing a leader in place of the dead one: ask again then.
		if _, rerr = ec.RemoveMember(ctx, leavesID); !errors.Is(rerr, etcdops.ErrUnavailable) || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Second)
	}
	if !errors.Is(rerr, etcdops.ErrRefused) {
		t.Errorf("removing healthy %s while %s is dead: %v, want refused (quorum)", leaves.name, dead.name, rerr)
	}
	retryUnavailable(ctx, t, "remove-member "+dead.name, func() error { _, err := ec.RemoveMember(ctx, deadID); return err })
	retryUnavailable(ctx, t, "leave "+leaves.name, func() error { _, err := leaves.etcd(t).Leave(ctx); return err })
	retryUnavailable(ctx, t, "members", func() (err error) { _, members, err = ec.Members(ctx, true); return err })
	if len(members) != 1 || members[0].Name != stays.name {
		t.Fatalf("members after remove-member and leave = %+v; want %s alone", members, stays.name)
	}
	if _, err := ec.Leave(ctx); !errors.Is(err, etcdops.ErrRefused) {
		t.Errorf("the last member leaving: %v, want refused", err)
	}
	leaves.kill()
	createConfigMap(ctx, t, through, "after-leave")

	// A snapshot of what is left restores into a new etcd with every key (the control plane
	// stops first, so that nothing writes between the snapshot and the comparison).
	stays.stop("kube-scheduler", "kube-controller-manager", "kube-apiserver")
	snap := filepath.Join(t.TempDir(), "etcd.snapshot")
	f, err := os.Create(snap)
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	size, err := ec.Snapshot(ctx, f, time.Minute)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	t.Logf("snapshot of %d ConfigMaps and the cluster's own objects: %d bytes in %v", want+21, size, time.Since(start).Round(time.Millisecond))
	restored := etcdtest.Restore(t, snap)
	got, kept := restored.All(t, 0), allKeys(ctx, t, stays)
	if !maps.Equal(got, kept) {
		t.Errorf("the restored etcd holds %d keys, the cluster %d: not the same", len(got), len(kept))
	}
	n := 0
	for k := range got {
		if strings.HasPrefix(k, "/registry/configmaps/default/") {
			n++
		}
	}
	if n != want+21 {
		t.Errorf("the restored etcd holds %d ConfigMaps in default, want %d", n, want+21)
	}
}

// allKeys reads every key and value of the node's etcd member.
func allKeys(ctx context.Context, t *testing.T, n *haNode) map[string]string {
	t.Helper()
	pki := n.path(kubepki.EtcdPKIDir)
	cert, err := tls.LoadX509KeyPair(filepath.Join(pki, "healthcheck-client.crt"), filepath.Join(pki, "healthcheck-client.key"))
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(filepath.Join(pki, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, MinVersion: tls.VersionTLS13}}}
	defer hc.CloseIdleConnections()
	body, _ := json.Marshal(map[string][]byte{"key": {0}, "range_end": {0}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.etcdURL()+"/v3/kv/range", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var out struct {
		KVs []struct {
			Key   []byte `json:"key"`
			Value []byte `json:"value"`
		} `json:"kvs"`
		More bool `json:"more"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK || out.More {
		t.Fatalf("range of every key: HTTP %d, %v, more %v", resp.StatusCode, err, out.More)
	}
	kvs := make(map[string]string, len(out.KVs))
	for _, kv := range out.KVs {
		kvs[string(kv.Key)] = string(kv.Value)
	}
	return kvs
}

func waitReadyz(ctx context.Context, t *testing.T, c *kubeapi.Client) {
	t.Helper()
	for {
		err := c.Get(ctx, "/readyz", nil)
		if err == nil {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("/readyz: %v", err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func tryConfigMap(ctx context.Context, c *kubeapi.Client, name string) error {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cm := map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": name}, "data": map[string]string{"k": name}}
	err := c.Create(cctx, "/api/v1/namespaces/default/configmaps", cm, nil)
	if kubeapi.IsConflict(err) {
		return nil // an earlier try went through
	}
	return err
}

func createConfigMap(ctx context.Context, t *testing.T, c *kubeapi.Client, name string) {
	t.Helper()
	if err := tryConfigMap(ctx, c, name); err != nil {
		t.Fatalf("create ConfigMap %s: %v", name, err)
	}
}

func waitHealthy(ctx context.Context, t *testing.T, c *etcdops.Client, name string) {
	t.Helper()
	for {
		_, members, err := c.Members(ctx, true)
		if err == nil {
			for _, s := range c.Status(ctx, members) {
				if s.Member.Name == name && s.Healthy() {
					return
				}
			}
		}
		if ctx.Err() != nil {
			t.Fatalf("member %s not healthy: %v", name, err)
		}
		time.Sleep(time.Second)
	}
}

func memberID(ctx context.Context, t *testing.T, c *etcdops.Client, name string) uint64 {
	t.Helper()
	var members []etcdops.Member
	retryUnavailable(ctx, t, "members", func() (err error) { _, members, err = c.Members(ctx, true); return err })
	for _, m := range members {
		if m.Name == name {
			return m.ID
		}
	}
	t.Fatalf("no member %s in %+v", name, members)
	return 0
}

// retryUnavailable runs fn until it is not refused as unavailable: etcd makes no membership
// change until its members have been connected for 5 s.
func retryUnavailable(ctx context.Context, t *testing.T, what string, fn func() error) {
	t.Helper()
	for {
		err := fn()
		if err == nil {
			return
		}
		if !errors.Is(err, etcdops.ErrUnavailable) || ctx.Err() != nil {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(time.Second)
	}
}
