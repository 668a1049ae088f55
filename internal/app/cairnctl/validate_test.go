package cairnctl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateReportsEveryProblem checks that validate prints all problems and exits 1.
func TestValidateReportsEveryProblem(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, nil, "gen", "config", "demo", "https://192.0.2.10:6443", "-o", dir, "--output-types", "worker")
	path := filepath.Join(dir, "worker.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(data), "type: worker", "type: boss", 1)
	bad = strings.Replace(bad, "name: demo", "name: Demo", 1)
	bad = strings.Replace(bad, "dnsDomain: cluster.local", "dnsDomain: a_b", 1)
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "validate", "-c", path)
	if r.code != 1 {
		t.Errorf("exit code %d, want 1", r.code)
	}
	for _, want := range []string{
		"is invalid for metal mode (3 problems):",
		`machine.type: "boss" must be controlplane or worker`,
		`cluster.name: "Demo" is not a valid DNS label`,
		`cluster.network.dnsDomain: "a_b" is not a valid DNS name`,
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not contain %q:\n%s", want, r.stderr)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	dir := t.TempDir()
	unknown := filepath.Join(dir, "unknown.yaml")
	if err := os.WriteFile(unknown, []byte("apiVersion: v1alpha1\nkind: MachineConfig\nmachine:\n  files: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"validate", "-c", unknown}, `machine: unknown field "files" (line 4)`},
		{[]string{"validate", "-c", unknown, "--mode", "vm"}, `--mode: mode "vm": want metal or container`},
		{[]string{"validate", "-c", filepath.Join(dir, "missing.yaml")}, "read config"},
		{[]string{"validate"}, `required flag(s) "config" not set`},
	} {
		r := run(t, nil, tc.args...)
		if r.code != 1 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("cairnctl %q: exit %d, stderr %q; want 1 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}
