package cairnctl

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fixtureAPI answers Get from testdata/health; paths not in it fail as the apiserver would.
type fixtureAPI struct {
	t      *testing.T
	files  map[string]string
	readyz error
}

func (f fixtureAPI) Get(_ context.Context, path string, out any) error {
	if path == "/readyz" {
		return f.readyz
	}
	name, ok := f.files[path]
	if !ok {
		return errors.New("GET " + path + ": 403 Forbidden")
	}
	data, err := os.ReadFile(filepath.Join("testdata", "health", name))
	if err != nil {
		f.t.Fatal(err)
	}
	return json.Unmarshal(data, out)
}

func fixtures(t *testing.T) fixtureAPI {
	return fixtureAPI{t: t, files: map[string]string{"/api/v1/nodes": "nodes.json", "/api/v1/namespaces/kube-system/pods": "pods.json"}}
}

func TestAskKube(t *testing.T) {
	st := askKube(context.Background(), fixtures(t))
	if st.err != nil || st.readyz != nil {
		t.Fatalf("askKube: %v, readyz %v", st.err, st.readyz)
	}
	wantNodes := []kubeNode{{name: "node-a", ready: true, reason: "KubeletReady kubelet is posting ready status"}, {name: "node-w", reason: "KubeletNotReady container runtime network not ready: NetworkReady=false"}}
	if diff := cmp.Diff(wantNodes, st.nodes, cmp.AllowUnexported(kubeNode{})); diff != "" {
		t.Errorf("nodes (-want +got):\n%s", diff)
	}
	wantPods := []kubePod{{name: "coredns-7d4f8-abcde", phase: "Running", ready: true, dns: true}, {name: "coredns-7d4f8-fghij", phase: "Pending", reason: "coredns ImagePullBackOff", dns: true}, {name: "job-done", phase: "Succeeded", reason: ""}}
	if diff := cmp.Diff(wantPods, st.pods, cmp.AllowUnexported(kubePod{})); diff != "" {
		t.Errorf("pods (-want +got):\n%s", diff)
	}
}

// failures renders the failing checks, one "what: problem" a line.
func failures(checks []check) string {
	var b strings.Builder
	for _, c := range checks {
		if !c.ok() {
			b.WriteString(c.what + ": " + c.problem + "\n")
		}
	}
	return b.String()
}

func TestHealthVerdict(t *testing.T) {
	cp := healthNode{addr: "10.5.0.2", hostname: "node-a", controlPlane: true,
		services:  map[string]string{"etcd": "Running", "kube-apiserver": "Running", "kube-controller-manager": "Backoff", "kube-scheduler": "Running"},
		lastError: map[string]string{"kube-controller-manager": "exit status 1"}}
	worker := healthNode{addr: "10.5.0.3", hostname: "node-w", services: map[string]string{"kubelet": "Running"}}
	gone := healthNode{addr: "10.5.0.4", apiErr: errors.New("node 10.5.0.4: unreachable")}
	checks := nodeChecks([]healthNode{cp, worker, gone})
	k := askKube(context.Background(), fixtures(t))
	checks = append(checks, kubeChecks(k, []string{"node-a", "node-w", "Node-X"})...)
	want := `node 10.5.0.2 (node-a): service kube-controller-manager runs: it is Backoff (last error: exit status 1)
node 10.5.0.4: Cairn API answers: node 10.5.0.4: unreachable
Node Node-X is registered: no Node of that name
Node node-w is Ready: not Ready: KubeletNotReady container runtime network not ready: NetworkReady=false
pod kube-system/coredns-7d4f8-fghij is Running and Ready: Pending: coredns ImagePullBackOff
`
	if diff := cmp.Diff(want, failures(checks)); diff != "" {
		t.Errorf("failing checks (-want +got):\n%s", diff)
	}
	if got := failing(checks); got != 5 {
		t.Errorf("failing = %d, want 5", got)
	}
	for _, c := range checks {
		if !c.ok() && c.fix == "" {
			t.Errorf("check %q fails without saying what to do", c.what)
		}
	}
}

func TestHealthVerdictHealthy(t *testing.T) {
	cp := healthNode{hostname: "node-a", controlPlane: true, services: map[string]string{"etcd": "Running", "kube-apiserver": "Running", "kube-controller-manager": "Running", "kube-scheduler": "Running"}}
	k := kubeState{nodes: []kubeNode{{name: "node-a", ready: true}}, pods: []kubePod{{name: "coredns-1", phase: "Running", ready: true, dns: true}}}
	checks := append(nodeChecks([]healthNode{cp}), kubeChecks(k, []string{"node-a"})...)
	if f := failures(checks); f != "" || len(checks) != 10 {
		t.Errorf("healthy cluster: %d checks, failing:\n%s", len(checks), f)
	}
}

func TestHealthVerdictNoAPI(t *testing.T) {
	checks := kubeChecks(kubeState{err: errors.New("list nodes: connection refused")}, []string{"node-a"})
	if len(checks) != 1 || !strings.Contains(checks[0].String(), "what to do: check that a control-plane node is bootstrapped") {
		t.Errorf("no API: %v", checks)
	}
	missing := kubeChecks(kubeState{nodes: []kubeNode{{name: "node-a", ready: true}}}, nil)
	notReady := kubeChecks(kubeState{pods: []kubePod{{name: "dns", phase: "Running", dns: true}}}, nil)
	if !strings.Contains(failures(notReady), "none of the CoreDNS pods is Ready") {
		t.Errorf("no Ready CoreDNS pod not reported:\n%s", failures(notReady))
	}
	if !strings.Contains(failures(missing), "a CoreDNS pod (k8s-app=kube-dns) is Ready in kube-system: no CoreDNS pod") {
		t.Errorf("no CoreDNS pod not reported:\n%s", failures(missing))
	}
}
