package cairnctl

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
	"github.com/cairn-os/cairn/pkg/machinery/config"
)

// listDir returns the names in dir, or nil when it does not exist.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestGenConfigValidatePatch runs the README's flow in-process: gen secrets, gen config,
// validate, machineconfig patch.
func TestGenConfigValidatePatch(t *testing.T) {
	dir := t.TempDir()
	secretsPath, b := genSecrets(t, dir)
	out := filepath.Join(dir, "out")
	stdout := mustRun(t, nil, "gen", "config", "demo", "https://192.0.2.10:6443", "--with-secrets", secretsPath, "-o", out,
		"--config-patch", "machine: {network: {nameservers: [192.0.2.53]}}",
		"--config-patch-control-plane", `[{"op": "add", "path": "/machine/network/hostname", "value": "cp-1"}]`,
		"--config-patch-worker", "machine: {kubelet: {nodeLabels: {role: worker}}}")
	if got := listDir(t, out); !slices.Equal(got, []string{"cairnconfig", "controlplane.yaml", "worker.yaml"}) {
		t.Fatalf("gen config wrote %q", got)
	}
	if strings.Contains(stdout, b.Tokens.Join) {
		t.Errorf("gen config printed a secret:\n%s", stdout)
	}
	cp, err := config.Load(filepath.Join(out, "controlplane.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := config.Load(filepath.Join(out, "worker.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if cp.Machine.Network.Hostname != "cp-1" || w.Machine.Network.Hostname != "" ||
		!slices.Equal(w.Machine.Network.Nameservers, []string{"192.0.2.53"}) || w.Machine.Kubelet.NodeLabels["role"] != "worker" ||
		cp.Cluster.ID != b.Cluster.ID || len(w.Cluster.CA.Key) != 0 {
		t.Errorf("patches or secrets not applied as asked: cp %+v\nworker %+v", cp.Machine, w.Machine)
	}
	cc, err := clientconfig.Load(filepath.Join(out, "cairnconfig"))
	if err != nil {
		t.Fatal(err)
	}
	if cc.Context != "demo" || cc.Contexts["demo"] == nil || cc.Contexts["demo"].Endpoints[0] != "192.0.2.10" {
		t.Errorf("cairnconfig = %+v, want context demo with endpoint 192.0.2.10", cc)
	}
	if runtime.GOOS != "windows" {
		for _, name := range listDir(t, out) {
			if st, err := os.Stat(filepath.Join(out, name)); err != nil || st.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %v (%v), want 0600", name, st.Mode().Perm(), err)
			}
		}
	}

	for _, f := range []string{"controlplane.yaml", "worker.yaml"} {
		got := mustRun(t, nil, "validate", "-c", filepath.Join(out, f), "--mode", "metal")
		if !strings.Contains(got, "is valid for metal mode") {
			t.Errorf("validate %s printed %q", f, got)
		}
	}

	patched := mustRun(t, nil, "machineconfig", "patch", filepath.Join(out, "worker.yaml"), "-p", "machine: {network: {hostname: w-1}}")
	pc, err := config.Decode([]byte(patched))
	if err != nil || pc.Machine.Network.Hostname != "w-1" {
		t.Fatalf("machineconfig patch printed a config that decodes to %v, %v", pc, err)
	}
	outFile := filepath.Join(dir, "w-1.yaml")
	mustRun(t, nil, "machineconfig", "patch", filepath.Join(out, "worker.yaml"), "-p", "machine: {network: {hostname: w-1}}", "-o", outFile)
	if data, err := os.ReadFile(outFile); err != nil || string(data) != patched {
		t.Errorf("-o wrote %q (%v), want what stdout showed", data, err)
	}
}

// TestGenConfigWritesNothingOnError checks every way gen config can fail: the output
// directory stays untouched.
func TestGenConfigWritesNothingOnError(t *testing.T) {
	dir := t.TempDir()
	secretsPath, _ := genSecrets(t, dir)
	for _, tc := range []struct {
		name string
		args []string
		want []string // substrings of stderr
	}{
		{"bad patch field", []string{"--config-patch", "machine: {network: {hostnam: x}}"},
			[]string{`machine.network: unknown field "hostnam" (line 1)`}},
		{"patch makes config invalid", []string{"--config-patch-worker", "machine: {network: {interfaces: [{name: eth0, addresses: [10.0.0.1/33]}], nameservers: [x]}}"},
			[]string{"worker config: invalid for metal mode (2 problems):",
				`machine.network.interfaces[0].addresses[0]: "10.0.0.1/33" is not a valid CIDR`,
				`machine.network.nameservers[0]: "x" is not a valid IP address`}},
		{"missing patch file", []string{"--config-patch-control-plane", "@" + filepath.Join(dir, "nope.yaml")}, []string{"read patch"}},
		{"bad kubernetes version", []string{"--kubernetes-version", "1.2"}, []string{`cluster.kubernetesVersion: "1.2" must be vMAJOR.MINOR.PATCH`}},
		{"bad output type", []string{"--output-types", "worker,talosconfig"}, []string{`--output-types: unknown type "talosconfig"`}},
		{"missing secrets", []string{"--with-secrets", filepath.Join(dir, "none.yaml")}, []string{"none.yaml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, "out-"+strings.ReplaceAll(tc.name, " ", "-"))
			args := append([]string{"gen", "config", "demo", "https://192.0.2.10:6443", "--with-secrets", secretsPath, "-o", out}, tc.args...)
			r := run(t, nil, args...)
			if r.code != 1 {
				t.Errorf("exit code %d, want 1", r.code)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr does not contain %q:\n%s", w, r.stderr)
				}
			}
			if got := listDir(t, out); got != nil {
				t.Errorf("gen config wrote %q despite the error", got)
			}
		})
	}
}

// TestGenConfigNeverOverwrites checks that existing files survive without --force, that no
// other file is written then, and that --force and --output-types work.
func TestGenConfigNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "worker.yaml"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "gen", "config", "demo", "https://cp.example:6443", "-o", dir)
	if r.code != 1 || !strings.Contains(r.stderr, "pass --force") {
		t.Errorf("exit %d, stderr %q; want a failure mentioning --force", r.code, r.stderr)
	}
	if got := listDir(t, dir); !slices.Equal(got, []string{"worker.yaml"}) {
		t.Errorf("directory holds %q, want only the existing worker.yaml", got)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "worker.yaml")); string(data) != "mine" {
		t.Errorf("worker.yaml was overwritten")
	}
	mustRun(t, nil, "gen", "config", "demo", "https://cp.example:6443", "-o", dir, "--output-types", "controlplane")
	if got := listDir(t, dir); !slices.Equal(got, []string{"controlplane.yaml", "worker.yaml"}) {
		t.Errorf("--output-types controlplane wrote %q", got)
	}
	mustRun(t, nil, "gen", "config", "demo", "https://cp.example:6443", "-o", dir, "--force", "--install-disk", "")
	if _, err := config.Load(filepath.Join(dir, "worker.yaml")); err != nil {
		t.Errorf("--force did not replace worker.yaml: %v", err)
	}
	mustRun(t, nil, "validate", "-c", filepath.Join(dir, "worker.yaml"), "--mode", "container")
	if r := run(t, nil, "validate", "-c", filepath.Join(dir, "worker.yaml"), "--mode", "metal"); r.code != 1 ||
		!strings.Contains(r.stderr, `machine.install.disk: "" is required in metal mode`) {
		t.Errorf("validate --mode metal of a config without install disk: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestGenConfigBadArguments(t *testing.T) {
	dir := t.TempDir()
	r := run(t, nil, "gen", "config", "Demo", "cp:6443", "-o", dir)
	for _, want := range []string{`cluster.name: "Demo" is not a valid DNS label`, `cluster.controlPlane.endpoint: "cp:6443" must be https://host:port`} {
		if r.code != 1 || !strings.Contains(r.stderr, want) {
			t.Errorf("exit %d, stderr %q; want 1 and %q", r.code, r.stderr, want)
		}
	}
	if got := listDir(t, dir); got != nil {
		t.Errorf("wrote %q", got)
	}
}

// TestGenConfigRollsBack checks that when a write fails midway (here worker.yaml is a
// directory, which --force cannot replace) the files already written are removed again.
func TestGenConfigRollsBack(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "worker.yaml"), 0o700); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "gen", "config", "demo", "https://192.0.2.10:6443", "-o", dir, "--force")
	if r.code != 1 {
		t.Errorf("exit %d, want 1; stderr %q", r.code, r.stderr)
	}
	if got := listDir(t, dir); !slices.Equal(got, []string{"worker.yaml"}) {
		t.Errorf("directory holds %q after a failed write, want only the original worker.yaml", got)
	}
}

// TestGenImageKeyTrustedByConfig: gen image-key writes a key pair; gen config puts the public
// half into both configurations and refuses a file that is not a public key.
func TestGenImageKeyTrustedByConfig(t *testing.T) {
	dir := t.TempDir()
	prefix := filepath.Join(dir, "signing")
	mustRun(t, nil, "gen", "image-key", "-o", prefix)
	if st, err := os.Stat(prefix + ".key"); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("private key: %v, %v; want mode 0600", st, err)
	}
	out := filepath.Join(dir, "out")
	mustRun(t, nil, "gen", "config", "demo", "https://192.0.2.10:6443", "-o", out, "--trusted-image-key", prefix+".pub")
	pub, err := os.ReadFile(prefix + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"controlplane.yaml", "worker.yaml"} {
		c, err := config.Load(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		if k := c.Machine.Upgrade.TrustedKeys; len(k) != 1 || string(k[0]) != string(pub) {
			t.Errorf("%s: machine.upgrade.trustedKeys = %q; want the public key", f, k)
		}
	}
	r := run(t, nil, "gen", "config", "demo", "https://192.0.2.10:6443", "-o", filepath.Join(dir, "out2"), "--trusted-image-key", prefix+".key")
	if r.code == 0 || !strings.Contains(r.stderr, "--trusted-image-key "+prefix+".key") {
		t.Errorf("private key as trusted key: exit %d, %s; want an error naming the flag and file", r.code, r.stderr)
	}
	if r := run(t, nil, "gen", "image-key", "-o", prefix); r.code == 0 || !strings.Contains(r.stderr, "already exists") {
		t.Errorf("second gen image-key: exit %d, %s; want already exists", r.code, r.stderr)
	}
}
