package cairnctl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// nodeKubeconfig is a kubeconfig as a node issues it (kubepki.AdminKubeconfig), keys elided.
const nodeKubeconfig = `apiVersion: v1
kind: Config
clusters:
  - name: demo
    cluster:
      server: https://10.5.0.2:6443
      certificate-authority-data: Q0E=
contexts:
  - name: admin@demo
    context:
      cluster: demo
      user: admin@demo
current-context: admin@demo
users:
  - name: admin@demo
    user:
      client-certificate-data: Q0VSVA==
      client-key-data: S0VZ
`

// userKubeconfig has what kubectl and others write: fields cairnctl does not know must survive.
const userKubeconfig = `apiVersion: v1
kind: Config
preferences: {}
clusters:
  - name: other
    cluster:
      server: https://other:6443
      insecure-skip-tls-verify: true
contexts:
  - name: other
    context:
      cluster: other
      user: other
      namespace: team-a
current-context: other
users:
  - name: other
    user:
      exec:
        apiVersion: client.authentication.k8s.io/v1
        command: get-token
`

func mustParse(t *testing.T, s string) *kubeconfigFile {
	t.Helper()
	kc, err := parseKubeconfig([]byte(s))
	if err != nil {
		t.Fatalf("parseKubeconfig: %v", err)
	}
	return kc
}

func names(es []namedEntry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Name)
	}
	return out
}

func TestKubeconfigMergeKeepsOthers(t *testing.T) {
	in := mustParse(t, nodeKubeconfig)
	if err := in.renameAdmin("admin@demo"); err != nil {
		t.Fatal(err)
	}
	have := mustParse(t, userKubeconfig)
	if err := have.merge(in, false); err != nil {
		t.Fatalf("merge: %v", err)
	}
	out, err := have.encode()
	if err != nil {
		t.Fatal(err)
	}
	got := mustParse(t, string(out))
	want := []string{"other", "admin@demo"}
	for what, l := range map[string][]namedEntry{"clusters": got.Clusters, "users": got.Users, "contexts": got.Contexts} {
		if diff := cmp.Diff(want, names(l)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", what, diff)
		}
	}
	if got.CurrentContext != "admin@demo" {
		t.Errorf("current-context = %q, want admin@demo", got.CurrentContext)
	}
	for _, keep := range []string{"namespace: team-a", "command: get-token", "insecure-skip-tls-verify: true", "preferences: {}", "cluster: admin@demo", "client-key-data: S0VZ"} {
		if !strings.Contains(string(out), keep) {
			t.Errorf("merged kubeconfig lost %q:\n%s", keep, out)
		}
	}
}

func TestKubeconfigMergeConflicts(t *testing.T) {
	in := mustParse(t, nodeKubeconfig)
	if err := in.renameAdmin("other"); err != nil {
		t.Fatal(err)
	}
	have := mustParse(t, userKubeconfig)
	before, _ := have.encode()
	err := have.merge(in, false)
	if err == nil || !strings.Contains(err.Error(), `cluster "other", user "other", context "other": pass --force`) {
		t.Fatalf("merge over same names = %v, want a refusal naming each", err)
	}
	if after, _ := have.encode(); string(after) != string(before) {
		t.Errorf("a refused merge changed the kubeconfig:\n%s", after)
	}
	if err := have.merge(in, true); err != nil {
		t.Fatalf("merge --force: %v", err)
	}
	if len(have.Clusters) != 1 || have.Clusters[0].Rest["cluster"].(map[string]any)["server"] != "https://10.5.0.2:6443" {
		t.Errorf("--force did not replace the entry: %+v", have.Clusters)
	}
}

func TestParseKubeconfigRefuses(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"not yaml", "clusters: [", "not a kubeconfig"},
		{"unnamed", "clusters:\n  - cluster: {}\n", "clusters[0]: no name"},
		{"twice", "users:\n  - name: a\n  - name: a\n", `users[1]: name "a" is also users[0]`},
		{"wrong shape", "contexts: 3\n", "not a kubeconfig"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseKubeconfig([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parseKubeconfig(%q) = %v, want %q", tt.in, err, tt.want)
			}
		})
	}
	if kc, err := parseKubeconfig([]byte("\n")); err != nil || len(kc.Clusters) != 0 {
		t.Errorf("parseKubeconfig(empty) = %+v, %v; want an empty kubeconfig", kc, err)
	}
}

func TestKubeconfigWriteModes(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "config")
	in := mustParse(t, nodeKubeconfig)
	_ = in.renameAdmin("admin@demo")
	f := &kubeconfigFlags{merge: true}
	if how, err := f.write(path, in); err != nil || how != "wrote" {
		t.Fatalf("write new = %q, %v", how, err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("new kubeconfig mode = %v, %v; want 0600", st.Mode(), err)
	}
	if _, err := f.write(path, in); err == nil || !strings.Contains(err.Error(), "pass --force") {
		t.Errorf("second merge of the same names = %v, want a refusal", err)
	}
	f.merge = false
	if _, err := f.write(path, in); err == nil || !strings.Contains(err.Error(), "the file exists") {
		t.Errorf("--merge=false over a file = %v, want a refusal", err)
	}
	f.force = true
	if how, err := f.write(path, in); err != nil || !strings.Contains(how, "replaced") {
		t.Errorf("--merge=false --force = %q, %v", how, err)
	}
}

func FuzzParseKubeconfig(f *testing.F) {
	f.Add([]byte(nodeKubeconfig))
	f.Add([]byte(userKubeconfig))
	f.Add([]byte("clusters: [{name: a}, {name: a}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		kc, err := parseKubeconfig(data)
		if err != nil {
			return
		}
		in := mustParse(t, nodeKubeconfig)
		_ = in.renameAdmin("admin@fuzz")
		if err := kc.merge(in, true); err != nil {
			t.Fatalf("merge --force into a parsed kubeconfig: %v", err)
		}
		out, err := kc.encode()
		if err != nil {
			return // a value yaml cannot encode back (none known); never a panic
		}
		if _, err := parseKubeconfig(out); err != nil {
			t.Errorf("merged kubeconfig does not parse again: %v\n%s", err, out)
		}
	})
}
