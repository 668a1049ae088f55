//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// conformanceCISpecs are the upstream [Conformance] tests TestKubernetes runs, and so CI: one
// or two of each group make test-conformance runs in full, each under a minute under TCG.
var conformanceCISpecs = []string{
	"[sig-node] ConfigMap should be consumable via the environment [NodeConformance] [Conformance]",
	"[sig-node] Secrets should be consumable from pods in env vars [NodeConformance] [Conformance]",
	"[sig-storage] ConfigMap should be consumable from pods in volume [NodeConformance] [Conformance]",
	"[sig-storage] Secrets should be consumable from pods in volume [NodeConformance] [Conformance]",
	"[sig-storage] Projected secret should be consumable from pods in volume [NodeConformance] [Conformance]",
	"[sig-node] Pods should get a host IP [NodeConformance] [Conformance]",
	"[sig-node] Pods should contain environment variables for services [NodeConformance] [Conformance]",
	"[sig-network] Networking Granular Checks: Pods should function for intra-pod communication: http [NodeConformance] [Conformance]",
	"[sig-network] DNS should provide DNS for the cluster [Conformance]",
	"[sig-network] Services should serve a basic endpoint from pods [Conformance]",
	"[sig-network] Services should be able to change the type from ExternalName to ClusterIP [Conformance]",
}

// conformanceCI is the focus that selects exactly conformanceCISpecs.
var conformanceCI = func() string {
	q := make([]string, len(conformanceCISpecs))
	for i, s := range conformanceCISpecs {
		q[i] = regexp.QuoteMeta(s)
	}
	return "(" + strings.Join(q, "|") + ")$" // Ginkgo matches the text with a prefix before [sig-...]
}()

// conformanceNotRun are the selected tests this run leaves out, each with why.
var conformanceNotRun = map[string]string{
	"[sig-node] Pods should run through the lifecycle of Pods and PodStatus [Conformance]": "its pod starts from agnhost 2.55 (AgnhostPrev), which the pinned module does not hold (it holds 2.59); only images built from it are imported",
}

// conformanceSkip leaves out what never runs on a shared cluster and conformanceNotRun.
var conformanceSkip = func() string {
	q := []string{`\[Serial\]`, `\[Disruptive\]`}
	for _, s := range slices.Sorted(maps.Keys(conformanceNotRun)) {
		q = append(q, regexp.QuoteMeta(s)+"$")
	}
	return strings.Join(q, "|")
}()

// conformanceImages are the tool images the conformance tests need (make
// conformance-images), imported into every node's containerd through the API; the run maps
// the e2e registry to their cairn.local names, so a missing one fails its pod instead of
// being pulled.
var conformanceImages = []string{"busybox", "agnhost", "jessie-dnsutils"}

// buildConformanceImages builds the conformance images into a directory it returns, and
// checks that e2e.test is there (make e2e-test).
func buildConformanceImages(t *testing.T, e *env) string {
	t.Helper()
	root := repoRoot(t)
	if _, err := os.Stat(filepath.Join(root, "_out", "e2e.test")); err != nil {
		t.Fatalf("e2e.test from the pinned module is missing (make e2e-test): %v", err)
	}
	dir := t.TempDir()
	e.must("image", "build", "--out", dir, "--cache", filepath.Join(root, "_cache"), "--tool-images", strings.Join(conformanceImages, ","))
	return dir
}

// runConformance imports the conformance images on the nodes (at the same time) and runs the
// upstream e2e.test's specs that match focus, one after another, with the pinned kubectl,
// for at most limit.
// Every spec that ran must pass; the log lists each with its time. The Ginkgo JSON report is
// kept in report when it names a file.
func runConformance(t *testing.T, e *env, k kubectl, images string, nodes []string, focus, report string, limit time.Duration) {
	t.Helper()
	start := time.Now()
	errs := make(chan error, len(nodes))
	for _, ip := range nodes {
		go func() {
			for _, im := range conformanceImages {
				if _, err := e.run("image", "import", filepath.Join(images, im+".tar"), "-n", ip); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range nodes {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("images %v imported on %d nodes: %v", conformanceImages, len(nodes), time.Since(start).Round(time.Second))

	work := t.TempDir()
	repoList := filepath.Join(work, "repo-list.yaml")
	if err := os.WriteFile(repoList, []byte("promoterE2eRegistry: cairn.local/e2e-test-images\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if report == "" {
		report = filepath.Join(work, "report.json")
	} else if err := os.Remove(report); err != nil && !os.IsNotExist(err) {
		t.Fatal(err) // an earlier run's report must not be read as this one's
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit+time.Minute) // Ginkgo's own timeout first
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(repoRoot(t), "_out", "e2e.test"),
		"--kubeconfig", k.kconf, "--kubectl-path", k.bin, "--provider", "skeleton", "--report-dir", work,
		"--ginkgo.focus", focus, "--ginkgo.skip", conformanceSkip,
		"--ginkgo.json-report", report, "--ginkgo.no-color", "--ginkgo.timeout", limit.String())
	cmd.Env = append(os.Environ(), "KUBE_TEST_REPO_LIST="+repoList)
	log, err := os.Create(filepath.Join(work, "e2e.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	cmd.Stdout, cmd.Stderr = log, log
	start = time.Now()
	runErr := cmd.Run()
	elapsed := time.Since(start)
	specs, err := readGinkgoReport(report)
	if err != nil {
		tail, _ := os.ReadFile(log.Name())
		t.Fatalf("e2e.test (%v): %v; its report: %v\n%s", runErr, elapsed, err, lastBytes(tail, 8000))
	}
	counts := map[string]int{}
	var failed []string
	for _, s := range specs {
		counts[s.State]++
		if s.State == "skipped" {
			continue
		}
		t.Logf("%-7s %6.1fs %s", s.State, s.RunTime.Seconds(), s.name())
		if s.State != "passed" {
			failed = append(failed, s.name()+": "+firstLine(s.Failure.Message))
		}
	}
	t.Logf("conformance (%s): %d ran in %v: %v", focus, len(specs)-counts["skipped"], elapsed.Round(time.Second), counts)
	for _, s := range slices.Sorted(maps.Keys(conformanceNotRun)) {
		t.Logf("not run: %s: %s", s, conformanceNotRun[s])
	}
	if counts["passed"] == 0 {
		t.Errorf("no conformance test passed (focus %s)", focus)
	}
	if focus == conformanceCI && len(specs)-counts["skipped"] != len(conformanceCISpecs) {
		t.Errorf("%d conformance tests ran, want the %d of conformanceCISpecs: is one misspelt?", len(specs)-counts["skipped"], len(conformanceCISpecs))
	}
	slices.Sort(failed)
	for _, f := range failed {
		t.Errorf("failed: %s", f)
	}
	if len(failed) > 0 { // the directory goes with the test: keep the end of e2e.test's output
		tail, _ := os.ReadFile(log.Name())
		t.Logf("the end of e2e.test's output:\n%s", lastBytes(tail, 20000))
	}
	if runErr != nil && len(failed) == 0 {
		tail, _ := os.ReadFile(log.Name())
		t.Errorf("e2e.test: %v with no failed test in its report\n%s", runErr, lastBytes(tail, 8000))
	}
}

// ginkgoSpec is one spec of a Ginkgo JSON report.
type ginkgoSpec struct {
	ContainerHierarchyTexts []string
	LeafNodeType            string
	LeafNodeText            string
	State                   string
	RunTime                 time.Duration
	Failure                 struct{ Message string }
}

func (s ginkgoSpec) name() string {
	return strings.Join(append(slices.Clone(s.ContainerHierarchyTexts), s.LeafNodeText), " ")
}

// readGinkgoReport reads the specs of a Ginkgo JSON report (one suite).
func readGinkgoReport(file string) ([]ginkgoSpec, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var suites []struct{ SpecReports []ginkgoSpec }
	if err := json.Unmarshal(data, &suites); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var specs []ginkgoSpec
	for _, s := range suites {
		for _, r := range s.SpecReports {
			if r.LeafNodeType == "It" { // not the suite's set-up and reporting nodes
				specs = append(specs, r)
			}
		}
	}
	return specs, nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

func lastBytes(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
