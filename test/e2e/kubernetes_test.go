//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// kubectl runs the kubectl built from the pinned Kubernetes module (make kubectl) against
// the test's kubeconfig.
type kubectl struct {
	t          *testing.T
	bin, kconf string
}

// newKubectl is the pinned kubectl (make kubectl) with a kubeconfig of the test's own, which
// cluster create merges into through the test's KUBECONFIG.
func newKubectl(t *testing.T, e *env) kubectl {
	t.Helper()
	k := kubectl{t: t, bin: filepath.Join(repoRoot(t), "_out", "kubectl"), kconf: filepath.Join(t.TempDir(), "kubeconfig")}
	if _, err := os.Stat(k.bin); err != nil {
		t.Fatalf("kubectl from the pinned module is missing (make kubectl): %v", err)
	}
	e.vars["KUBECONFIG"] = k.kconf
	return k
}

func (k kubectl) run(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), kubectlLimit(args))
	defer cancel()
	cmd := exec.CommandContext(ctx, k.bin, append([]string{"--kubeconfig", k.kconf}, args...)...)
	out, err := cmd.CombinedOutput()
	k.t.Logf("kubectl %s\n%s", strings.Join(args, " "), out)
	if err != nil {
		return string(out), fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// kubectlLimit bounds one kubectl command: 3 minutes, or a minute more than the --timeout it
// is given (kubectl wait --timeout=10m was killed after 3 minutes).
func kubectlLimit(args []string) time.Duration {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--timeout="); ok {
			if d, err := time.ParseDuration(v); err == nil {
				return d + time.Minute
			}
		}
	}
	return 3 * time.Minute
}

// quiet runs kubectl and logs its output only when it fails (kube-bench's JSON is long).
func (k kubectl) quiet(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), kubectlLimit(args))
	defer cancel()
	var stdout, stderr strings.Builder
	cmd := exec.CommandContext(ctx, k.bin, append([]string{"--kubeconfig", k.kconf}, args...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	k.t.Logf("kubectl %s: %d bytes", strings.Join(args, " "), stdout.Len())
	return stdout.String(), nil
}

func (k kubectl) must(args ...string) string {
	k.t.Helper()
	out, err := k.run(args...)
	if err != nil {
		k.t.Fatal(err)
	}
	return out
}

// apply applies a manifest given on standard input.
func (k kubectl) apply(manifest string) {
	k.t.Helper()
	f := filepath.Join(k.t.TempDir(), "manifest.yaml")
	if err := os.WriteFile(f, []byte(manifest), 0o600); err != nil {
		k.t.Fatal(err)
	}
	// No client-side validation: under TCG the apiserver can take longer than kubectl allows
	// for its OpenAPI download; the server validates the objects anyway.
	k.must("apply", "--validate=false", "-f", f)
}

// nodesReady returns the names of the Ready nodes.
func (k kubectl) nodesReady() ([]string, error) {
	out, err := k.run("get", "nodes", "-o", "json")
	if err != nil {
		return nil, err
	}
	var list struct {
		Items []struct {
			Metadata struct{ Name string }
			Status   struct {
				Conditions []struct{ Type, Status string }
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		return nil, err
	}
	var ready []string
	for _, n := range list.Items {
		for _, c := range n.Status.Conditions {
			if c.Type == "Ready" && c.Status == "True" {
				ready = append(ready, n.Metadata.Name)
			}
		}
	}
	return ready, nil
}

// TestKubernetes creates a cluster of one control plane and one worker with Kubernetes,
// and checks what a user of the cluster relies on: both nodes Ready; a Deployment of a
// locally built and imported image runs on the worker and is reached from a pod on the
// control plane by pod IP, through a ClusterIP Service and by its DNS name; kubectl logs,
// exec and port-forward work; a pod with the RuntimeDefault seccomp profile and a memory
// limit runs under seccomp; the nodes' own CIS checks find no FAIL, and neither does the
// unmodified kube-bench run as Jobs with each node's targets and the policies target
// (checkKubeBench); the upstream conformance tests of conformanceCI pass (make
// test-conformance runs more of them: TestConformance); a reboot of the worker through the API brings it back Ready with its pods
// running again. The nodes boot the kernel and initramfs directly: a disk-booted
// control plane under TCG took from 9 minutes to more than 20 to be Ready here (see the
// issue's note), too slow and too variable for CI.
func TestKubernetes(t *testing.T) {
	img := buildImage(t)
	e := newEnv(t)
	kubeBench := buildKubeBenchImage(t, e)
	conformance := buildConformanceImages(t, e)
	k := newKubectl(t, e)
	name, workerIP := "e2e-k8s", "10.5.0.3"
	t.Cleanup(func() { _, _ = e.run("cluster", "destroy", "--name", name) })
	e.must("cluster", "create", "--name", name, "--workers", "1", "--image", img, "--wait", "20m")

	ready, err := k.nodesReady()
	if err != nil || len(ready) != 2 {
		t.Fatalf("Ready nodes after cluster create: %v (%v), want 2", ready, err)
	}
	cp, worker := nodeNames(t, k)
	k.apply(workloads(cp, worker))
	k.must("wait", "--for=condition=Ready", "pod", "-l", "app=echo", "--timeout=10m")
	k.must("wait", "--for=condition=Ready", "pod/client", "pod/limited", "--timeout=10m")
	checkTraffic(t, k)
	checkSeccomp(t, k)
	checkPortForward(t, k)
	checkCIS(t, e, "10.5.0.2")
	checkCIS(t, e, workerIP)
	checkKubeBench(t, e, k, kubeBench, map[string]string{"cp": cp, "worker": worker}, map[string]string{"cp": "10.5.0.2", "worker": workerIP})
	runConformance(t, e, k, conformance, []string{"10.5.0.2", workerIP}, conformanceCI, "", 20*time.Minute)

	bootID := func() (string, error) {
		out, err := k.run("get", "node", worker, "-o", "jsonpath={.status.nodeInfo.bootID}")
		return strings.TrimSpace(out), err
	}
	before, err := bootID()
	if err != nil || before == "" {
		t.Fatalf("the worker's boot ID: %q, %v", before, err)
	}
	e.must("reboot", "-n", workerIP)
	// 20 minutes: a kubelet that gets no client certificate is restarted after 10 (kubeletReadyWithin).
	waitFor(t, "worker Ready again after its reboot", 20*time.Minute, func() error {
		if now, err := bootID(); err != nil || now == before {
			return fmt.Errorf("the worker still reports boot %s (%w)", before, err)
		}
		ready, err := k.nodesReady()
		if err == nil && len(ready) != 2 {
			err = fmt.Errorf("Ready nodes: %v", ready)
		}
		return err
	})
	k.must("wait", "--for=condition=Ready", "pod", "-l", "app=echo", "--timeout=10m")
	checkTraffic(t, k)
}

// knownFails are the checks a node under test still fails, each with why: real gaps, named
// here so that any other FAIL fails the test.
var knownFails = map[string]string{}

// checkCIS: the checks a running node makes of itself (host checks and the CIS Kubernetes
// v1.12 items for its role, over its real processes, flags and files) find no FAIL but the
// known gaps.
func checkCIS(t *testing.T, e *env, ip string) {
	t.Helper()
	out := e.must("evidence", "checks", "-n", ip, "-o", "json")
	type result struct{ ID, Verdict, Actual string }
	var nodes []struct{ Results []result }
	if err := json.Unmarshal([]byte(out), &nodes); err != nil {
		var one struct{ Results []result }
		if err := json.Unmarshal([]byte(out), &one); err != nil {
			t.Fatalf("evidence checks -o json: %v\n%s", err, out)
		}
		nodes = append(nodes, one)
	}
	n, verdicts := 0, map[string]int{}
	for _, node := range nodes {
		for _, r := range node.Results {
			n++
			verdicts[r.Verdict]++
			if why, known := knownFails[r.ID]; r.Verdict == "FAIL" && known {
				t.Logf("check %s FAILS on %s, a known gap (%s): %s", r.ID, ip, why, r.Actual)
			} else if r.Verdict == "FAIL" {
				t.Errorf("check %s FAILS on %s: %s", r.ID, ip, r.Actual)
			}
		}
	}
	if verdicts["PASS"] < 25 {
		t.Errorf("%s's checks: %d results, verdicts %v: want 25 PASS or more", ip, n, verdicts)
	}
	t.Logf("%s's checks: %d results, verdicts %v", ip, n, verdicts)
}

// nodeNames returns the control plane's and the worker's node names.
func nodeNames(t *testing.T, k kubectl) (cp, worker string) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(k.must("get", "nodes", "-o", "jsonpath={range .items[*]}{.metadata.name} {.status.addresses[0].address}{\"\\n\"}{end}")), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[1] == "10.5.0.2":
			cp = f[0]
		case len(f) == 2 && f[1] == "10.5.0.3":
			worker = f[0]
		}
	}
	if cp == "" || worker == "" {
		t.Fatalf("could not tell the nodes apart by address: cp %q, worker %q", cp, worker)
	}
	return cp, worker
}

func workloads(cp, worker string) string {
	return `apiVersion: apps/v1
kind: Deployment
metadata: {name: echo}
spec:
  replicas: 1
  selector: {matchLabels: {app: echo}}
  template:
    metadata: {labels: {app: echo}}
    spec:
      nodeSelector: {kubernetes.io/hostname: ` + worker + `}
      containers:
      - {name: echo, image: cairn.local/echo:v1, imagePullPolicy: Never, ports: [{containerPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: echo}
spec:
  selector: {app: echo}
  ports: [{port: 8080, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  nodeName: ` + cp + `
  containers:
  - {name: client, image: cairn.local/echo:v1, imagePullPolicy: Never}
---
apiVersion: v1
kind: Pod
metadata: {name: limited}
spec:
  nodeSelector: {kubernetes.io/hostname: ` + worker + `}
  securityContext: {seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: limited
    image: cairn.local/echo:v1
    imagePullPolicy: Never
    resources: {limits: {memory: 64Mi, cpu: 200m}}
    securityContext: {allowPrivilegeEscalation: false, runAsNonRoot: true, runAsUser: 65532, capabilities: {drop: [ALL]}}
`
}

// checkTraffic reaches the echo pod from the control plane's client pod by pod IP, through
// the Service's cluster IP and by the Service's DNS name, and finds the requests in the echo
// pod's log.
func checkTraffic(t *testing.T, k kubectl) {
	t.Helper()
	pod := strings.TrimSpace(k.must("get", "pod", "-l", "app=echo", "-o", "jsonpath={.items[0].metadata.name}"))
	targets := map[string]func() (string, error){
		// The pod's address is read again at each try: after a reboot its new sandbox may have
		// another one, and the pod's status shows it only once the kubelet has synced.
		"pod IP": func() (string, error) {
			return k.run("get", "pod", pod, "-o", "jsonpath={.status.podIP}")
		},
		"cluster IP": func() (string, error) {
			return k.run("get", "service", "echo", "-o", "jsonpath={.spec.clusterIP}")
		},
		"DNS name": func() (string, error) { return "echo.default.svc.cluster.local", nil },
	}
	for _, what := range []string{"pod IP", "cluster IP", "DNS name"} {
		waitFor(t, "client pod reaches the echo pod by its "+what, 5*time.Minute, func() error {
			host, err := targets[what]()
			if err != nil {
				return err
			}
			out, err := k.run("exec", "client", "--", "/echo", "get", "http://"+strings.TrimSpace(host)+":8080/")
			if err == nil && !strings.Contains(out, pod) {
				err = fmt.Errorf("answer does not name pod %s: %q", pod, out)
			}
			return err
		})
	}
	if logs := k.must("logs", pod); !strings.Contains(logs, "GET /") {
		t.Errorf("kubectl logs %s shows no request:\n%s", pod, logs)
	}
}

// checkSeccomp: the limited pod's process runs in seccomp filter mode (2) under a memory limit.
func checkSeccomp(t *testing.T, k kubectl) {
	t.Helper()
	status := k.must("exec", "limited", "--", "/echo", "cat", "/proc/self/status")
	if !strings.Contains(status, "Seccomp:\t2") {
		t.Errorf("the RuntimeDefault pod's process is not in seccomp filter mode:\n%s", status)
	}
	limit := strings.TrimSpace(k.must("exec", "limited", "--", "/echo", "cat", "/sys/fs/cgroup/memory.max"))
	if limit != "67108864" {
		t.Errorf("memory.max in the limited pod = %q, want 67108864", limit)
	}
}

// checkPortForward reaches the echo pod from this host through kubectl port-forward.
func checkPortForward(t *testing.T, k kubectl) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, k.bin, "--kubeconfig", k.kconf, "port-forward", "deployment/echo", "18080:8080")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = cmd.Wait() }()
	waitFor(t, "port-forward answers", 2*time.Minute, func() error {
		resp, err := http.Get("http://127.0.0.1:18080/")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "echo-") {
			return errors.New("unexpected answer: " + string(body))
		}
		return nil
	})
}
