package cairnctl

import (
	"crypto/x509"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
	"github.com/cairn-os/cairn/pkg/machinery/secrets"
)

// genSecrets writes a secrets bundle into dir and returns its path and contents.
func genSecrets(t *testing.T, dir string) (string, *secrets.Bundle) {
	t.Helper()
	path := filepath.Join(dir, "secrets.yaml")
	mustRun(t, nil, "gen", "secrets", "-o", path)
	b, err := secrets.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, b
}

func TestConfigNewOffline(t *testing.T) {
	dir := t.TempDir()
	secretsPath, bundle := genSecrets(t, dir)
	out := filepath.Join(dir, "reader.cairnconfig")
	mustRun(t, nil, "config", "new", out, "--secrets", secretsPath, "--roles", "os:reader,os:auditor",
		"--ttl", "2h", "--name", "ci-bot", "-e", "10.5.0.2", "-n", "10.5.0.3")
	if runtime.GOOS != "windows" {
		if st, _ := os.Stat(out); st.Mode().Perm() != 0o600 {
			t.Errorf("mode = %v, want 0600", st.Mode().Perm())
		}
	}
	c, err := clientconfig.Load(out)
	if err != nil {
		t.Fatalf("written cairnconfig does not load: %v", err)
	}
	ctx, name, err := c.Get("")
	if err != nil || name != "ci-bot" {
		t.Fatalf("current context = %q, %v, want ci-bot", name, err)
	}
	if !slices.Equal(ctx.Endpoints, []string{"10.5.0.2"}) || !slices.Equal(ctx.Nodes, []string{"10.5.0.3"}) {
		t.Errorf("endpoints, nodes = %v, %v, want [10.5.0.2], [10.5.0.3]", ctx.Endpoints, ctx.Nodes)
	}
	cert, err := pki.ParseCertificate(ctx.Crt)
	if err != nil {
		t.Fatal(err)
	}
	_, err = cert.Verify(x509.VerifyOptions{Roots: bundle.Certs.OS.CertPool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if err != nil {
		t.Errorf("issued certificate does not chain to the OS CA for ClientAuth: %v", err)
	}
	if !slices.Equal(cert.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}) {
		t.Errorf("ExtKeyUsage = %v, want ClientAuth only", cert.ExtKeyUsage)
	}
	if got := cert.Subject.Organization; !slices.Equal(got, []string{"os:reader", "os:auditor"}) {
		t.Errorf("Organization = %v, want [os:reader os:auditor]", got)
	}
	if cert.Subject.CommonName != "ci-bot" {
		t.Errorf("CommonName = %q, want ci-bot", cert.Subject.CommonName)
	}
	if left := time.Until(cert.NotAfter); left > 2*time.Hour || left < 2*time.Hour-time.Minute {
		t.Errorf("certificate valid for %s more, want about 2h", left)
	}
	if string(ctx.CA) != string(bundle.Certs.OS.CertPEM) {
		t.Errorf("context CA is not the bundle's OS CA")
	}
}

func TestConfigNewRejects(t *testing.T) {
	dir := t.TempDir()
	secretsPath, _ := genSecrets(t, dir)
	out := filepath.Join(dir, "c")
	mustRun(t, nil, "config", "new", out, "--secrets", secretsPath, "--name", "a")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown role", []string{"config", "new", filepath.Join(dir, "x"), "--secrets", secretsPath, "--roles", "os:reader,os:root"}, `unknown role "os:root"`},
		{"existing file", []string{"config", "new", out, "--secrets", secretsPath}, "--force"},
		{"zero ttl", []string{"config", "new", filepath.Join(dir, "y"), "--secrets", secretsPath, "--ttl", "0s"}, "must be positive"},
		{"missing bundle", []string{"config", "new", filepath.Join(dir, "z"), "--secrets", filepath.Join(dir, "none.yaml")}, "none.yaml"},
		{"online not yet", []string{"config", "new", filepath.Join(dir, "w")}, "--secrets"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// No client configuration: the online path must not reach whatever the machine has.
			r := run(t, map[string]string{"CAIRNCONFIG": filepath.Join(dir, "none")}, tt.args...)
			if r.code == 0 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("cairnctl %q exited %d, stderr %q; want a failure containing %q", tt.args, r.code, r.stderr, tt.want)
			}
		})
	}
	mustRun(t, nil, "config", "new", out, "--secrets", secretsPath, "--name", "b", "--force")
	if c, err := clientconfig.Load(out); err != nil || c.Context != "b" {
		t.Errorf("--force did not replace the file (%v)", err)
	}
}

// TestConfigWorkflow merges two configurations into $CAIRNCONFIG, switches context, sets
// endpoints and nodes, and reads it back through contexts and info.
func TestConfigWorkflow(t *testing.T) {
	dir := t.TempDir()
	secretsPath, _ := genSecrets(t, dir)
	env := map[string]string{"CAIRNCONFIG": filepath.Join(dir, "home", "config")}
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	mustRun(t, nil, "config", "new", a, "--secrets", secretsPath, "--name", "prod", "--roles", "os:reader", "-e", "10.0.0.1")
	mustRun(t, nil, "config", "new", b, "--secrets", secretsPath, "--name", "prod", "--roles", "os:admin", "-e", "10.0.0.2")

	if r := run(t, env, "config", "contexts"); r.code == 0 || !strings.Contains(r.stderr, "no client configuration") {
		t.Errorf("contexts without a file exited %d, stderr %q", r.code, r.stderr)
	}
	mustRun(t, env, "config", "merge", a)
	out := mustRun(t, env, "config", "merge", b)
	if !strings.Contains(out, `"prod" renamed to "prod-1"`) {
		t.Errorf("merge output does not report the rename:\n%s", out)
	}
	var list []contextSummary
	if err := json.Unmarshal([]byte(mustRun(t, env, "config", "contexts", "-o", "json")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "prod" || list[1].Name != "prod-1" || !list[1].Current {
		t.Fatalf("contexts = %+v, want prod and current prod-1", list)
	}
	if !slices.Equal(list[1].Roles, []string{"os:admin"}) {
		t.Errorf("prod-1 roles = %v, want [os:admin]", list[1].Roles)
	}

	mustRun(t, env, "config", "context", "prod")
	mustRun(t, env, "config", "endpoint", "10.0.0.7", "10.0.0.8")
	mustRun(t, env, "config", "node", "10.0.0.9")
	mustRun(t, env, "--context", "prod-1", "config", "node", "10.0.1.1")
	var info contextSummary
	if err := yaml.Unmarshal([]byte(mustRun(t, env, "config", "info", "-o", "yaml")), &info); err != nil {
		t.Fatal(err)
	}
	if info.Name != "prod" || !slices.Equal(info.Endpoints, []string{"10.0.0.7", "10.0.0.8"}) ||
		!slices.Equal(info.Nodes, []string{"10.0.0.9"}) || !slices.Equal(info.Roles, []string{"os:reader"}) {
		t.Errorf("info = %+v, want prod with the new endpoints and node, role os:reader", info)
	}
	table := mustRun(t, env, "config", "contexts")
	if !strings.Contains(table, "*") || !strings.Contains(table, "10.0.1.1") {
		t.Errorf("contexts table misses the current mark or prod-1's node:\n%s", table)
	}
	text := mustRun(t, env, "config", "info")
	if !strings.Contains(text, "Current context:     prod") {
		t.Errorf("info text:\n%s", text)
	}
	if r := run(t, env, "config", "context", "nope"); r.code == 0 {
		t.Errorf("switching to an unknown context succeeded")
	}
	if r := run(t, env, "config", "contexts", "-o", "xml"); r.code == 0 || !strings.Contains(r.stderr, "unknown output format") {
		t.Errorf("contexts -o xml exited %d, stderr %q", r.code, r.stderr)
	}
	if runtime.GOOS != "windows" {
		if st, _ := os.Stat(env["CAIRNCONFIG"]); st.Mode().Perm() != 0o600 {
			t.Errorf("cairnconfig mode = %v, want 0600", st.Mode().Perm())
		}
	}
}

// TestConfigPathFlag checks that --cairnconfig wins over $CAIRNCONFIG.
func TestConfigPathFlag(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"CAIRNCONFIG": filepath.Join(dir, "env")}
	ca, err := pki.NewCA(pki.Request{CommonName: "cairn-os"})
	if err != nil {
		t.Fatal(err)
	}
	client, err := ca.Issue(pki.Request{CommonName: "me", Organization: []string{"os:operator"}, Usage: pki.ClientAuth})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"ca.crt": ca.CertPEM, "me.crt": client.CertPEM, "me.key": client.KeyPEM}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	flagPath := filepath.Join(dir, "flag")
	mustRun(t, env, "--cairnconfig", flagPath, "config", "add", "lab", "-e", "192.0.2.1",
		"--ca", filepath.Join(dir, "ca.crt"), "--crt", filepath.Join(dir, "me.crt"), "--key", filepath.Join(dir, "me.key"))
	if _, err := os.Stat(env["CAIRNCONFIG"]); !os.IsNotExist(err) {
		t.Errorf("config add wrote $CAIRNCONFIG although --cairnconfig was given")
	}
	c, err := clientconfig.Load(flagPath)
	if err != nil {
		t.Fatal(err)
	}
	if c.Context != "lab" || !slices.Equal(c.Contexts["lab"].Endpoints, []string{"192.0.2.1"}) {
		t.Errorf("added context = %+v (current %q), want lab with endpoint 192.0.2.1", c.Contexts["lab"], c.Context)
	}
	if r := run(t, env, "--cairnconfig", flagPath, "config", "add", "lab", "--ca", filepath.Join(dir, "ca.crt")); r.code == 0 {
		t.Errorf("adding an existing context succeeded")
	}
	if r := run(t, env, "--cairnconfig", flagPath, "config", "add", "bad", "--ca", filepath.Join(dir, "ca.crt"),
		"--crt", filepath.Join(dir, "me.crt"), "--key", filepath.Join(dir, "ca.crt")); r.code == 0 {
		t.Errorf("adding a context whose key is not a key succeeded")
	}
}
