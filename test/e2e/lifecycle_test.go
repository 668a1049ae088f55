//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// kernelHostname is the node's kernel host name and /etc/hostname, read over the API.
func kernelHostname(e *env) (string, string, error) {
	k, err := e.run("read", "/proc/sys/kernel/hostname")
	if err != nil {
		return "", "", err
	}
	f, err := e.run("read", "/etc/hostname")
	return strings.TrimSpace(k), strings.TrimSpace(f), err
}

// wantHostname waits until the kernel host name and /etc/hostname are both name.
func wantHostname(t *testing.T, e *env, name string) {
	t.Helper()
	waitFor(t, "host name "+name, 3*time.Minute, func() error {
		k, f, err := kernelHostname(e)
		if err == nil && (k != name || f != name) {
			err = fmt.Errorf("kernel host name %q, /etc/hostname %q, want %q", k, f, name)
		}
		return err
	})
}

// TestHostnameAndReset changes machine.network.hostname on a running node (the kernel and
// /etc/hostname follow), then resets it: the machine really reboots, and comes back with the
// configuration its kernel command line names (cairn.config=), as the reply says. Before that,
// the node forwards its logs to rsyslogd (checkLogForwarding). The node runs in FIPS 140-3
// strict mode (cairn.fips=strict) throughout: its daemons run with GODEBUG=fips140=only, as
// its posture shows, and the evidence it signs (SBOM, checks as OSCAL) verifies.
func TestHostnameAndReset(t *testing.T) {
	img := buildImage(t)
	e := newEnv(t)
	name := "e2e-reset"
	t.Cleanup(func() { _, _ = e.run("cluster", "destroy", "--name", name) })
	e.must("cluster", "create", "--name", name, "--kubernetes=false", "--image", img, "--wait", "5m", "--kernel-args", "cairn.fips=strict")
	checkStrictFIPS(t, e)
	dir := filepath.Join(e.vars["XDG_STATE_HOME"], "cairn", "clusters", name)
	platform, _, err := kernelHostname(e)
	if err != nil {
		t.Fatal(err)
	}
	checkLogForwarding(t, e, name, name+"-cp1")

	renamed := filepath.Join(t.TempDir(), "renamed.yaml")
	e.must("machineconfig", "patch", filepath.Join(dir, name+"-cp1.yaml"), "-p", "machine: {network: {hostname: e2e-renamed}}", "-o", renamed)
	e.must("apply-config", "-f", renamed)
	wantHostname(t, e, "e2e-renamed")

	out := e.must("reset")
	for _, want := range []string{"the machine reboots", "takes the configuration its platform offers again"} {
		if !strings.Contains(out, want) {
			t.Errorf("reset reply lacks %q:\n%s", want, out)
		}
	}
	console := filepath.Join(dir, name+"-cp1.console.log")
	waitBoots(t, e, console, 2)
	wantHostname(t, e, platform)
	checkStrictFIPS(t, e)
}

// checkStrictFIPS: the node's posture shows machined, apid and trustd in Go's fips140=only
// mode, and the node signs an SBOM and its checks as OSCAL that verify (OSCAL's UUIDs and the
// DSSE signature are made in that mode, where a non-approved algorithm panics).
func checkStrictFIPS(t *testing.T, e *env) {
	t.Helper()
	out := e.must("evidence", "posture", "-o", "json")
	var nodes []struct {
		Posture struct {
			Processes struct {
				Value []struct {
					PID           int
					Comm, Service string
					FIPS          struct{ Mode string }
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &nodes); err != nil || len(nodes) != 1 {
		t.Fatalf("evidence posture -o json: %v (%d nodes)\n%.3000s", err, len(nodes), out)
	}
	modes := map[string]string{}
	for _, p := range nodes[0].Posture.Processes.Value {
		switch {
		case p.PID == 1:
			modes["machined"] = p.FIPS.Mode
		case p.Service != "":
			modes[p.Service] = p.FIPS.Mode
		}
	}
	for _, d := range []string{"machined", "apid", "trustd"} {
		if modes[d] != "only" {
			t.Errorf("%s runs in FIPS mode %q in strict mode, want only (all: %v)", d, modes[d], modes)
		}
	}
	dir := t.TempDir()
	sbomFile, signed := filepath.Join(dir, "sbom.json"), filepath.Join(dir, "sbom.dsse.json")
	e.must("evidence", "sbom", "-o", sbomFile, "--signed", signed)
	e.must("evidence", "verify", signed)
	if oscal := e.must("evidence", "checks", "--format", "oscal"); !strings.Contains(oscal, `"assessment-results"`) {
		t.Errorf("evidence checks --format oscal in strict mode:\n%.2000s", oscal)
	}
}
