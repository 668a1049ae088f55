//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// kubeBenchRef is the kube-bench image the builder packs beside the node image.
const kubeBenchRef = "cairn.local/kube-bench:v0.15.1"

// kubeBenchTargets are kube-bench's targets for each role (its own job-master and job-node).
// The policies target (RBAC, service accounts, pods) is a Job of its own on the worker: it
// reads only the API, running kubectl once per object (on the control plane, busy with etcd
// and the apiserver under TCG, it was never seen to finish; on the worker it took about 4
// minutes), so it needs no host path, no host PID and no privilege.
var kubeBenchTargets = map[string]string{"cp": "master,node,etcd,controlplane", "policies": "policies", "worker": "node"}

// kubeBenchWait is how long each Job may take under TCG, counted from the wait for the one
// before it (each took under 5 minutes in a run on a quiet host).
var kubeBenchWait = map[string]string{"cp": "15m", "worker": "15m", "policies": "20m"}

// nativeFiner are the items where the native check judges what kube-bench's automated test
// cannot, so their verdicts differ by design (internal/evidence/checks/doc.go).
var nativeFiner = map[string]string{
	"1.2.1":  "anonymous access is limited by the AuthenticationConfiguration, which kube-bench's --anonymous-auth flag test cannot read",
	"1.2.28": "the native check parses the encryption configuration for the provider that writes Secrets",
	"2.7":    "the native check compares etcd's CA with the cluster CA by certificate",
	"3.2.2":  "the native check evaluates sample requests against the audit policy's rules",
	"4.2.9":  "the native check reports serverTLSBootstrap (a cluster-signed serving certificate) for review",
}

// checkKubeBench runs the unmodified kube-bench v0.15.1 as a Job on each node with the
// targets for its role, from the image the builder packs (imported through the API, never
// pulled), and wants 0 FAIL with no skip list; where kube-bench and the node's native check
// share an item, their verdicts must agree (or differ for a reason in nativeFiner).
func checkKubeBench(t *testing.T, e *env, k kubectl, tar string, nodes, ips map[string]string) {
	t.Helper()
	// One import per node, at the same time: under TCG each took minutes (containerd
	// verifying and unpacking 131 MB on an emulated CPU already busy with the control plane).
	start := time.Now()
	errs := make(chan error, len(ips))
	for _, ip := range ips {
		go func() {
			_, err := e.run("image", "import", tar, "-n", ip)
			errs <- err
		}()
	}
	for range ips {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("kube-bench's image imported on %d nodes in %s", len(ips), time.Since(start).Round(time.Second))
	start = time.Now()
	k.apply(kubeBenchRBAC)
	jobs := map[string]string{"worker": nodes["worker"], "cp": nodes["cp"], "policies": nodes["worker"]}
	for role, node := range jobs {
		k.apply(kubeBenchJob(role, node))
	}
	// Each Job's verdicts are read as it completes, the quickest first.
	for _, role := range []string{"worker", "cp", "policies"} {
		node := jobs[role]
		k.must("wait", "--for=condition=complete", "job/kube-bench-"+role, "--timeout="+kubeBenchWait[role])
		out, err := k.quiet("logs", "job/kube-bench-"+role)
		if err != nil {
			t.Fatal(err)
		}
		bench := parseKubeBench(t, out)
		fails, verdicts := []string{}, map[string]int{}
		for id, r := range bench {
			verdicts[r.Status]++
			if r.Status == "FAIL" {
				fails = append(fails, id+" ("+r.Actual+")")
			}
		}
		slices.Sort(fails)
		if len(fails) > 0 {
			t.Errorf("kube-bench on %s (%s): %d FAIL: %s", node, kubeBenchTargets[role], len(fails), strings.Join(fails, "; "))
		}
		if role != "policies" && verdicts["PASS"] < 20 {
			t.Errorf("kube-bench on %s: verdicts %v, want 20 PASS or more", node, verdicts)
		}
		t.Logf("kube-bench on %s (%s): %d results, verdicts %v, complete %s after the Jobs were made", node, kubeBenchTargets[role], len(bench), verdicts, time.Since(start).Round(time.Second))
		if role != "policies" { // the native checks cover sections 1-4, not 5
			compareNative(t, e, ips[role], bench)
		}
	}
}

// kubeBenchResult is one item of kube-bench's JSON.
type kubeBenchResult struct {
	Status, Actual string
	Scored         bool
}

// parseKubeBench reads kube-bench --json output into results by item number.
func parseKubeBench(t *testing.T, out string) map[string]kubeBenchResult {
	t.Helper()
	var doc struct {
		Controls []struct {
			Tests []struct {
				Results []struct {
					Number string `json:"test_number"`
					Status string `json:"status"`
					Actual string `json:"actual_value"`
					Scored bool   `json:"scored"`
				} `json:"results"`
			} `json:"tests"`
		} `json:"Controls"`
	}
	// The JSON document is one line among kube-bench's log lines (both reach kubectl logs).
	i := strings.Index(out, `{"Controls"`)
	if i < 0 {
		t.Fatalf("kube-bench printed no JSON document:\n%.3000s", out)
	}
	if err := json.NewDecoder(strings.NewReader(out[i:])).Decode(&doc); err != nil || len(doc.Controls) == 0 {
		t.Fatalf("kube-bench --json: %v, %d controls\n%.2000s", err, len(doc.Controls), out)
	}
	res := map[string]kubeBenchResult{}
	for _, c := range doc.Controls {
		for _, g := range c.Tests {
			for _, r := range g.Results {
				res[r.Number] = kubeBenchResult{Status: r.Status, Actual: r.Actual, Scored: r.Scored}
			}
		}
	}
	return res
}

// compareNative compares kube-bench's verdicts with the node's native checks item by item.
// kube-bench's WARN on a manual item is its "a person must judge": the native check may
// have judged it (PASS), which is not a disagreement; any other difference is.
func compareNative(t *testing.T, e *env, ip string, bench map[string]kubeBenchResult) {
	t.Helper()
	var nodes []struct {
		Results []struct{ ID, Verdict, Actual string }
	}
	out := e.must("evidence", "checks", "-n", ip, "-o", "json")
	if err := json.Unmarshal([]byte(out), &nodes); err != nil || len(nodes) != 1 {
		t.Fatalf("evidence checks -o json: %v\n%s", err, out)
	}
	shared, agree := 0, 0
	for _, n := range nodes[0].Results {
		b, ok := bench[n.ID]
		if !ok {
			continue
		}
		shared++
		native := n.Verdict
		if native == "N/A" {
			native = "INFO" // kube-bench's skip
		}
		switch {
		case native == b.Status:
			agree++
		case nativeFiner[n.ID] != "":
			t.Logf("%s on %s: native %s, kube-bench %s (%s)", n.ID, ip, n.Verdict, b.Status, nativeFiner[n.ID])
		case b.Status == "WARN" && !b.Scored && native == "PASS":
			t.Logf("%s on %s: native PASS where kube-bench leaves it to a person (WARN): %s", n.ID, ip, n.Actual)
		default:
			t.Errorf("%s on %s: native %s (%s), kube-bench %s (%s)", n.ID, ip, n.Verdict, n.Actual, b.Status, b.Actual)
		}
	}
	if shared < 20 {
		t.Errorf("kube-bench and the native checks share %d items on %s, want 20 or more", shared, ip)
	}
	t.Logf("kube-bench and the native checks on %s: %d shared items, %d with the same verdict", ip, shared, agree)
}

// buildKubeBenchImage builds the kube-bench image beside a node image (make kube-bench-image),
// before any VM starts: a build while the cluster starts would take CPU its emulated nodes need.
func buildKubeBenchImage(t *testing.T, e *env) string {
	t.Helper()
	dir := t.TempDir()
	e.must("image", "build", "--tool-images", "kube-bench", "--out", dir, "--cache", filepath.Join(repoRoot(t), "_cache"))
	tar := filepath.Join(dir, "kube-bench.tar")
	if _, err := os.Stat(tar); err != nil {
		t.Fatal(err)
	}
	return tar
}

// kubeBenchRBAC lets the Jobs' service account read what the policies target lists and ask
// what system:authenticated may do (kubectl auth can-i --as).
const kubeBenchRBAC = `apiVersion: v1
kind: ServiceAccount
metadata: {name: kube-bench, namespace: default}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: kube-bench}
rules:
- apiGroups: [""]
  resources: [pods, serviceaccounts, namespaces]
  verbs: [get, list]
- apiGroups: [rbac.authorization.k8s.io]
  resources: [clusterroles, clusterrolebindings, roles, rolebindings]
  verbs: [get, list]
- apiGroups: [""]
  resources: [users, groups]
  verbs: [impersonate]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: kube-bench}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kube-bench}
subjects:
- {kind: ServiceAccount, name: kube-bench, namespace: default}
`

// kubeBenchJob is a Job running kube-bench on one node. The node targets get the host
// paths their checks read, each of a type that must exist (containerd would create a missing
// one on the node), host PID and privilege; the control plane's also gets etcd's data and the
// host's user names (1.1.11, 1.1.12). The policies target reads only the API and gets none.
func kubeBenchJob(role, node string) string {
	var mounts [][3]string
	if role != "policies" {
		mounts = [][3]string{{"etc-kubernetes", "/etc/kubernetes", "Directory"}, {"var-lib-kubelet", "/var/lib/kubelet", "Directory"},
			{"etc-systemd", "/etc/systemd", "Directory"}}
	}
	if role == "cp" {
		mounts = append(mounts, [3]string{"var-lib-etcd", "/var/lib/etcd", "Directory"}, [3]string{"etc-passwd", "/etc/passwd", "File"},
			[3]string{"etc-group", "/etc/group", "File"}, [3]string{"var-lib-cni", "/var/lib/cni", "Directory"})
	}
	host := "      hostPID: true\n"
	security := "        securityContext: {privileged: true}\n"
	if role == "policies" {
		host = ""
		security = "        securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}\n"
	}
	var vm, vols strings.Builder
	for _, m := range mounts {
		fmt.Fprintf(&vm, "        - {name: %s, mountPath: %s, readOnly: true}\n", m[0], m[1])
		fmt.Fprintf(&vols, "      - {name: %s, hostPath: {path: %s, type: %s}}\n", m[0], m[1], m[2])
	}
	volumes := ""
	if len(mounts) > 0 {
		security += "        volumeMounts:\n" + vm.String()
		volumes = "      volumes:\n" + vols.String()
	}
	return fmt.Sprintf(`apiVersion: batch/v1
kind: Job
metadata: {name: kube-bench-%s, namespace: default}
spec:
  backoffLimit: 0
  template:
    spec:
      nodeName: %s
%s      serviceAccountName: kube-bench
      restartPolicy: Never
      tolerations: [{operator: Exists}]
      containers:
      - name: kube-bench
        image: %s
        imagePullPolicy: Never
        command: [kube-bench, run, --targets, "%s", --benchmark, cis-1.12, --json]
%s%s`, role, node, host, kubeBenchRef, kubeBenchTargets[role], security, volumes)
}
