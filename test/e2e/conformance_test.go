//go:build e2e && conformance

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// conformanceFocus selects the upstream [Conformance] tests this run makes: the groups the
// issue names (pods, ConfigMaps and Secrets as environment and volumes, networking, DNS,
// Services). CAIRN_CONFORMANCE_FOCUS replaces it (a Ginkgo regular expression).
const conformanceFocus = `\[sig-(node|storage|network)\] (ConfigMap|Secrets|Projected configMap|Projected secret|Pods|Networking|DNS|Services) .*\[Conformance\]`

// conformanceSkip leaves out what never runs on a shared cluster.
const conformanceSkip = `\[Serial\]|\[Disruptive\]`

// conformanceImages are the tool images the selected tests need (make conformance-images),
// imported into every node's containerd through the API; the run maps the e2e registry to
// their cairn.local names, so a missing one fails its pod instead of being pulled.
var conformanceImages = []string{"busybox", "agnhost", "jessie-dnsutils"}

// TestConformance runs the upstream Kubernetes end-to-end binary (make e2e-test, built from
// the pinned module) against a cluster of one control plane and one worker: the
// [Conformance] tests of conformanceFocus, one after another. Every test that ran must pass;
// the log lists each with its time, and the Ginkgo JSON report is kept in
// CAIRN_CONFORMANCE_REPORT when that names a file. Not in make test-e2e (CI's time): make
// test-conformance.
func TestConformance(t *testing.T) {
	root := repoRoot(t)
	bin := filepath.Join(root, "_out", "e2e.test")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("e2e.test from the pinned module is missing (make e2e-test): %v", err)
	}
	img := buildImage(t)
	e := newEnv(t)
	k := kubectl{t: t, bin: filepath.Join(root, "_out", "kubectl"), kconf: filepath.Join(t.TempDir(), "kubeconfig")}
	if _, err := os.Stat(k.bin); err != nil {
		t.Fatalf("kubectl from the pinned module is missing (make kubectl): %v", err)
	}
	images := t.TempDir()
	e.must(append([]string{"image", "build", "--out", images, "--cache", filepath.Join(root, "_cache"), "--tool-images"}, strings.Join(conformanceImages, ","))...)

	e.vars["KUBECONFIG"] = k.kconf
	name := "e2e-conformance"
	nodes := []string{"10.5.0.2", "10.5.0.3"}
	t.Cleanup(func() { _, _ = e.run("cluster", "destroy", "--name", name) })
	start := time.Now()
	e.must("cluster", "create", "--name", name, "--workers", "1", "--image", img, "--wait", "30m")
	t.Logf("cluster create (1 control plane, 1 worker): %v", time.Since(start).Round(time.Second))
	if ready, err := k.nodesReady(); err != nil || len(ready) != 2 {
		t.Fatalf("Ready nodes after cluster create: %v (%v), want 2", ready, err)
	}

	// Every node imports the images, the nodes at the same time.
	start = time.Now()
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

	focus := conformanceFocus
	if f := os.Getenv("CAIRN_CONFORMANCE_FOCUS"); f != "" {
		focus = f
	}
	work := t.TempDir()
	repoList := filepath.Join(work, "repo-list.yaml")
	if err := os.WriteFile(repoList, []byte("promoterE2eRegistry: cairn.local/e2e-test-images\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(work, "report.json")
	if r := os.Getenv("CAIRN_CONFORMANCE_REPORT"); r != "" {
		report = r
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Hour)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin,
		"--kubeconfig", k.kconf, "--kubectl-path", k.bin, "--provider", "skeleton", "--report-dir", work,
		"--ginkgo.focus", focus, "--ginkgo.skip", conformanceSkip,
		"--ginkgo.json-report", report, "--ginkgo.no-color", "--ginkgo.timeout", "4h")
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
	if counts["passed"] == 0 {
		t.Errorf("no conformance test passed (focus %s)", focus)
	}
	slices.Sort(failed)
	for _, f := range failed {
		t.Errorf("failed: %s", f)
	}
	if runErr != nil && len(failed) == 0 {
		tail, _ := os.ReadFile(log.Name())
		t.Errorf("e2e.test: %v with no failed test in its report\n%s", runErr, lastBytes(tail, 8000))
	}
}

// ginkgoSpec is one spec of a Ginkgo JSON report.
type ginkgoSpec struct {
	ContainerHierarchyTexts []string
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
			if r.LeafNodeText != "" { // suite set-up nodes have no text
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
