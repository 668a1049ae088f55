package kubeservice

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/secrets"
)

func generate(t *testing.T) (cp, worker *config.Config) {
	t.Helper()
	b, err := secrets.New(secrets.Options{Now: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	cp, w, err := config.Generate(config.GenerateInput{ClusterName: "test", Endpoint: "https://10.5.0.2:6443", Secrets: b})
	if err != nil {
		t.Fatal(err)
	}
	return cp.WithDefaults(), w.WithDefaults()
}

func names(p *Plan) []string {
	var out []string
	for _, s := range p.Services {
		out = append(out, s.Name)
	}
	return out
}

func argsOf(t *testing.T, p *Plan, name string) string {
	t.Helper()
	for _, s := range p.Services {
		if s.Name == name {
			return strings.Join(s.Spec.Args, " ")
		}
	}
	t.Fatalf("no service %s in %v", name, names(p))
	return ""
}

// TestRenderServices: the control plane runs only after bootstrap; a worker never runs it
// and gets no CA key; every kubelet starts after the apiserver answers; the components carry the flags the issue and CIS ask for; the
// non-root components run as their own users.
func TestRenderServices(t *testing.T) {
	cp, worker := generate(t)
	node := Node{Name: "cp-1", IP: netip.MustParseAddr("10.5.0.2")}
	before, err := Render(cp, node)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(before); !slices.Equal(got, []string{Containerd, Kubelet, KubeProxy}) {
		t.Errorf("services before bootstrap = %v", got)
	}
	node.Bootstrapped = true
	after, err := Render(cp, node)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range before.Services {
		if s.Spec.Digest != after.Services[i].Spec.Digest {
			t.Errorf("bootstrap changes the digest of %s: it would restart", s.Name)
		}
	}
	for _, want := range []string{"--authorization-mode=Node,RBAC", "--enable-admission-plugins=NodeRestriction",
		"--tls-min-version=VersionTLS13", "--encryption-provider-config=", "--audit-log-path=", "--profiling=false",
		"--service-cluster-ip-range=10.96.0.0/12", "--advertise-address=10.5.0.2"} {
		if a := argsOf(t, after, APIServer); !strings.Contains(a, want) {
			t.Errorf("kube-apiserver args lack %q: %s", want, a)
		}
	}
	if a := argsOf(t, after, Etcd); !strings.Contains(a, "--client-cert-auth=true") || !strings.Contains(a, "--initial-cluster=cp-1=https://10.5.0.2:2380") {
		t.Errorf("etcd args: %s", a)
	}
	for _, s := range after.Services {
		if s.Name == Etcd || s.Name == APIServer || s.Name == ControllerManager || s.Name == Scheduler {
			if s.Spec.UID == 0 || s.Spec.Privileged || len(s.Spec.Caps) != 0 {
				t.Errorf("%s runs as uid %d privileged=%v caps=%v, want its own uid without capabilities", s.Name, s.Spec.UID, s.Spec.Privileged, s.Spec.Caps)
			}
		}
	}
	wplan, err := Render(worker, Node{Name: "w-1", IP: netip.MustParseAddr("10.5.0.3"), Bootstrapped: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(wplan); !slices.Equal(got, []string{Containerd, Kubelet, KubeProxy}) {
		t.Errorf("worker services = %v", got)
	}
	for _, f := range wplan.Files {
		if strings.HasSuffix(f.Path, ".key") {
			t.Errorf("worker gets key %s", f.Path)
		}
	}
	// Every kubelet waits for the cluster's apiserver, verified with the cluster CA.
	for _, p := range []*Plan{before, wplan} {
		for _, s := range p.Services {
			if s.Name == Kubelet && (s.Spec.StartAfter != "https:127.0.0.1:7445/readyz" || s.Spec.ReadyCA != pkiPath("ca.crt") || s.Spec.ReadyWithin != kubeletReadyWithin) {
				t.Errorf("kubelet StartAfter %q with CA %q, want https:127.0.0.1:7445/readyz (the node's load balancer) with the cluster CA", s.Spec.StartAfter, s.Spec.ReadyCA)
			}
		}
	}
}

// TestRenderModes: keys and kubeconfigs are 0600 and, like every file under /etc/kubernetes
// but kube-apiserver's own configurations, root's (CIS 1.1.16, 1.1.18, 1.1.19); the kubelet's
// config is 0600.
func TestRenderModes(t *testing.T) {
	cp, _ := generate(t)
	plan, err := Render(cp, Node{Name: "cp-1", IP: netip.MustParseAddr("10.5.0.2"), Bootstrapped: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range plan.Files {
		secret := strings.HasSuffix(f.Path, ".key") || strings.HasSuffix(f.Path, ".conf") || f.Path == kubeletConfig
		if secret && f.Mode.Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", f.Path, f.Mode)
		}
		apiserverOwn := f.Path == auditPolicy || f.Path == encryptionConf || f.Path == authnConf
		if strings.HasPrefix(f.Path, kubeDir+"/") && !apiserverOwn && (f.UID != 0 || f.GID != 0) {
			t.Errorf("%s owned by %d:%d, want root:root", f.Path, f.UID, f.GID)
		}
	}
	if d1, d2 := FilesDigest(cp, Node{Name: "a"}), FilesDigest(cp, Node{Name: "b"}); d1 == d2 {
		t.Error("FilesDigest ignores the node name")
	}
}

// TestHandOver: the non-root components read their root-only keys and kubeconfigs on the
// descriptors machined hands them: each flag that named such a file names its descriptor, a
// file named twice is handed once, and no flag names a root-only file any more.
func TestHandOver(t *testing.T) {
	cp, _ := generate(t)
	plan, err := Render(cp, Node{Name: "cp-1", IP: netip.MustParseAddr("10.5.0.2"), Bootstrapped: true})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		Etcd:              {"--key-file=/proc/self/fd/3", "--peer-key-file=/proc/self/fd/4"},
		APIServer:         {"--tls-private-key-file=/proc/self/fd/", "--service-account-signing-key-file=/proc/self/fd/"},
		ControllerManager: {"--kubeconfig=/proc/self/fd/", "--authentication-kubeconfig=/proc/self/fd/", "--cluster-signing-key-file=/proc/self/fd/", "--tls-private-key-file=/proc/self/fd/"},
		Scheduler:         {"--authentication-kubeconfig=/proc/self/fd/3", "--authorization-kubeconfig=/proc/self/fd/3", "--kubeconfig=/proc/self/fd/3", "--tls-private-key-file=/proc/self/fd/4", "--tls-cert-file=" + pkiPath("scheduler.crt")},
	}
	wantFiles := map[string][]string{
		Etcd:      {etcdPath("server.key"), etcdPath("peer.key")},
		Scheduler: {kubeDir + "/scheduler.conf", pkiPath("scheduler.key")},
	}
	for _, s := range plan.Services {
		args := strings.Join(s.Spec.Args, " ")
		for _, w := range want[s.Name] {
			if !strings.Contains(args, w) {
				t.Errorf("%s: no %s in %s", s.Name, w, args)
			}
		}
		for _, a := range s.Spec.Args {
			_, v, _ := strings.Cut(a, "=")
			if handed[v] {
				t.Errorf("%s reads %s by its path: %s", s.Name, v, a)
			}
		}
		if w, ok := wantFiles[s.Name]; ok && !slices.Equal(s.Spec.Handed, w) {
			t.Errorf("%s is handed %v, want %v", s.Name, s.Spec.Handed, w)
		}
		if s.Name == APIServer && len(s.Spec.Handed) != 5 {
			t.Errorf("kube-apiserver is handed %v, want its four keys and sa.key", s.Spec.Handed)
		}
		if s.Name == ControllerManager && !slices.Equal(s.Spec.Handed, []string{kubeDir + "/controller-manager.conf", pkiPath("ca.key"), pkiPath("sa.key"), pkiPath("controller-manager.key")}) {
			t.Errorf("kube-controller-manager is handed %v", s.Spec.Handed)
		}
	}
}

// TestRenderFeatureGates: cluster.featureGates reaches every component, as one set.
func TestRenderFeatureGates(t *testing.T) {
	cp, _ := generate(t)
	cp.Cluster.FeatureGates = map[string]bool{"UserNamespacesSupport": false, "ClusterTrustBundle": true}
	plan, err := Render(cp, Node{Name: "cp-1", IP: netip.MustParseAddr("10.5.0.2"), Bootstrapped: true})
	if err != nil {
		t.Fatal(err)
	}
	const flag = "--feature-gates=ClusterTrustBundle=true,UserNamespacesSupport=false"
	for _, name := range []string{APIServer, ControllerManager, Scheduler} {
		if a := argsOf(t, plan, name); !strings.Contains(a, flag) {
			t.Errorf("%s args lack %q: %s", name, flag, a)
		}
	}
	const block = "featureGates:\n  ClusterTrustBundle: true\n  UserNamespacesSupport: false\n"
	for _, f := range plan.Files {
		if (f.Path == kubeletConfig || f.Path == proxyConfig) && !strings.Contains(string(f.Data), block) {
			t.Errorf("%s lacks %q:\n%s", f.Path, block, f.Data)
		}
	}
}

// TestRenderLogging: a log destination restarts no component; the configured kube-apiserver
// audit policy is the file kube-apiserver reads.
func TestRenderLogging(t *testing.T) {
	cp, _ := generate(t)
	node := Node{Name: "cp-1", IP: netip.MustParseAddr("10.5.0.2"), Bootstrapped: true}
	before, err := Render(cp, node)
	if err != nil {
		t.Fatal(err)
	}
	withDest := cp.Clone()
	withDest.Machine.Logging.Destinations = []config.LoggingDestination{{Endpoint: "tls://logs.example.org"}}
	after, err := Render(withDest, node)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range before.Services {
		if s.Spec.Digest != after.Services[i].Spec.Digest {
			t.Errorf("a log destination changes the digest of %s: it would restart", s.Name)
		}
	}
	policy := "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: RequestResponse}]\n"
	withPolicy := cp.Clone()
	withPolicy.Machine.Logging.APIServerAuditPolicy = policy
	plan, err := Render(withPolicy, node)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(plan.Files, func(f File) bool { return f.Path == auditPolicy })
	if i < 0 || !strings.HasSuffix(string(plan.Files[i].Data), policy) {
		t.Errorf("%s is missing or not the configured policy", auditPolicy)
	}
}

// TestRenderJoinedEtcd: a member added to an existing cluster starts into that cluster
// (--initial-cluster as etcd returned it, state existing); one that bootstraps starts its own.
func TestRenderJoinedEtcd(t *testing.T) {
	cp, _ := generate(t)
	etcdArgs := func(n Node) []string {
		t.Helper()
		services, err := Services(cp, n)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range services {
			if s.Name == Etcd {
				return s.Spec.Args
			}
		}
		t.Fatal("no etcd service")
		return nil
	}
	initial := "cp-1=https://10.5.0.2:2380,cp-2=https://10.5.0.3:2380"
	joined := etcdArgs(Node{Name: "cp-2", IP: netip.MustParseAddr("10.5.0.3"), Bootstrapped: true, InitialCluster: initial})
	for _, want := range []string{"--initial-cluster=" + initial, "--initial-cluster-state=existing", "--initial-advertise-peer-urls=https://10.5.0.3:2380"} {
		if !slices.Contains(joined, want) {
			t.Errorf("joined etcd args %q lack %q", joined, want)
		}
	}
	own := etcdArgs(Node{Name: "cp-1", IP: netip.MustParseAddr("10.5.0.2"), Bootstrapped: true})
	for _, want := range []string{"--initial-cluster=cp-1=https://10.5.0.2:2380", "--initial-cluster-state=new"} {
		if !slices.Contains(own, want) {
			t.Errorf("bootstrapping etcd args %q lack %q", own, want)
		}
	}
}
