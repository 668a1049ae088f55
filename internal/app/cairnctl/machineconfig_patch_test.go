package cairnctl

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyBomb is a JSON patch of n copies, each doubling the document's cluster section.
func copyBomb(n int) string {
	ops := make([]string, n)
	for i := range ops {
		ops[i] = fmt.Sprintf(`{"op": "copy", "from": "/cluster", "path": "/cluster/network/x%d"}`, i)
	}
	return "[" + strings.Join(ops, ",") + "]"
}

// TestMachineConfigPatchWritesNothingOnError checks that a bad patch or a patch producing an
// invalid config neither prints a config nor touches --output.
func TestMachineConfigPatchWritesNothingOnError(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, nil, "gen", "config", "demo", "https://192.0.2.10:6443", "-o", dir, "--output-types", "controlplane")
	in := filepath.Join(dir, "controlplane.yaml")
	before, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, patch, want string
	}{
		{"unknown field", "cluster: {network: {cni: {nam: flannel}}}", `cluster.network.cni: unknown field "nam" (line 1)`},
		{"invalid result", "cluster: {network: {cni: {name: calico}}}",
			"patched " + in + ` is invalid for metal mode (1 problem):` + "\n" + `  cluster.network.cni.name: "calico" must be bridge or none`},
		{"json patch fails", `[{"op": "replace", "path": "/machine/nothing", "value": 1}]`, "JSON patch inline patch: "},
		{"bad yaml", "{", "patch inline patch: "},
		{"too many operations", "[" + strings.Repeat(`{"op": "test", "path": "/machine/type", "value": "controlplane"},`, 1000) + `{"op": "test", "path": "/machine/type", "value": "controlplane"}]`,
			"JSON patch inline patch has 1001 operations, more than the limit of 1000"},
		{"copies", copyBomb(20),
			"bytes, more than the limit of 1048576 bytes (1 MiB)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, out := range []string{filepath.Join(dir, "out.yaml"), in} {
				r := run(t, nil, "machineconfig", "patch", in, "-p", tc.patch, "-o", out)
				if r.code != 1 || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
					t.Errorf("exit %d, stdout %q, stderr %q; want 1, nothing, and %q", r.code, r.stdout, r.stderr, tc.want)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "out.yaml")); !os.IsNotExist(err) {
				t.Errorf("out.yaml was written")
			}
			if after, _ := os.ReadFile(in); string(after) != string(before) {
				t.Errorf("the input file changed")
			}
		})
	}
}

// TestMachineConfigPatchInPlace checks -o FILE for the input file itself and patches read
// from a file.
func TestMachineConfigPatchInPlace(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, nil, "gen", "config", "demo", "https://192.0.2.10:6443", "-o", dir, "--output-types", "worker")
	in := filepath.Join(dir, "worker.yaml")
	p := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(p, []byte("machine:\n  network:\n    hostname: w-2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun(t, nil, "mc", "patch", in, "-p", "@"+p, "-o", in)
	got := mustRun(t, nil, "validate", "-c", in)
	data, _ := os.ReadFile(in)
	if !strings.Contains(got, "is valid") || !strings.Contains(string(data), "hostname: w-2") {
		t.Errorf("in-place patch: validate says %q, file:\n%s", got, data)
	}
}
