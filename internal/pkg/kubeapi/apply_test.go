package kubeapi

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// discoveryServer answers discovery for core/v1 and rbac/v1 and records every other request.
type discoveryServer struct {
	mu   sync.Mutex
	seen []string
}

func (d *discoveryServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/api/v1":
		_, _ = io.WriteString(w, `{"kind":"APIResourceList","resources":[
			{"name":"configmaps","namespaced":true,"kind":"ConfigMap"},
			{"name":"namespaces","namespaced":false,"kind":"Namespace"},
			{"name":"namespaces/status","namespaced":false,"kind":"Namespace"}]}`)
	case "/apis/rbac.authorization.k8s.io/v1":
		_, _ = io.WriteString(w, `{"kind":"APIResourceList","resources":[{"name":"clusterrolebindings","namespaced":false,"kind":"ClusterRoleBinding"}]}`)
	default:
		b, _ := io.ReadAll(r.Body)
		d.mu.Lock()
		d.seen = append(d.seen, r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("Content-Type")+" "+string(b))
		d.mu.Unlock()
		if r.Method == http.MethodGet {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, "{}")
	}
}

func TestApply(t *testing.T) {
	d := &discoveryServer{}
	c := newClient(t, newServer(t, d))
	manifest := `---
apiVersion: v1
kind: ConfigMap
metadata: {name: coredns, namespace: kube-system}
data: {Corefile: ".:53 {}"}
---
# an empty document is skipped
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "kubeadm:cluster-admins"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
`
	if err := c.Apply(context.Background(), []byte(manifest), []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}`)); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	const q = "?fieldManager=cairn&force=true application/apply-patch+yaml "
	want := []string{
		"PATCH /api/v1/namespaces/kube-system/configmaps/coredns" + q + `{"apiVersion":"v1","data":{"Corefile":".:53 {}"},"kind":"ConfigMap","metadata":{"name":"coredns","namespace":"kube-system"}}`,
		"PATCH /apis/rbac.authorization.k8s.io/v1/clusterrolebindings/kubeadm:cluster-admins" + q + `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"kubeadm:cluster-admins"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"}}`,
		"PATCH /api/v1/namespaces/default/configmaps/x" + q + `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}`,
	}
	if got := strings.Join(d.seen, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("Apply sent:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

func TestApplyErrors(t *testing.T) {
	d := &discoveryServer{}
	c := newClient(t, newServer(t, d))
	for _, tc := range []struct{ name, manifest, want string }{
		{"no kind", "apiVersion: v1\nmetadata: {name: a}\n", "manifest 0: document 0: kind: missing"},
		{"no name", "apiVersion: v1\nkind: ConfigMap\n", "ConfigMap: metadata.name: missing"},
		{"second doc bad", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n[1, 2]\n", "document 1"},
		{"unknown kind", "apiVersion: v1\nkind: Pony\nmetadata: {name: a}\n", `apply Pony a: kind: "Pony" is not served in v1`},
		{"namespace on cluster-scoped", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a, namespace: b}\n", `metadata.namespace: "b" given, but Namespace is not namespaced`},
		{"bad apiVersion", "apiVersion: a/b/c\nkind: X\nmetadata: {name: a}\n", `apiVersion: "a/b/c" is not GROUP/VERSION`},
		{"unknown group", "apiVersion: example.org/v1\nkind: X\nmetadata: {name: a}\n", "discover example.org/v1: GET /apis/example.org/v1: 404"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := c.Apply(context.Background(), []byte(tc.manifest))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Apply(%q) = %v, want an error containing %q", tc.manifest, err, tc.want)
			}
		})
	}
	if len(d.seen) != 1 || !strings.HasPrefix(d.seen[0], "GET /apis/example.org/v1") {
		t.Errorf("bad manifests sent %q, want only the discovery of example.org/v1", d.seen)
	}
}
