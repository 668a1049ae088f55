package kubecluster

import (
	"testing"
	"time"

	"github.com/cairn-os/cairn/internal/controllers/kubecluster"
	"github.com/cairn-os/cairn/internal/pkg/kubeapi"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// The bootstrap token authenticates and may create a node client CSR; the RBAC the manifests
// bind allows what each component needs, as the apiserver's own authorizer says.
func TestBootstrapRBAC(t *testing.T) {
	admin := adminClient(t)
	cp := needCluster(t)
	tok, err := kubeapi.New(kubeapi.Config{Server: cp.server, CA: cp.input.KubernetesCA.Crt, Token: cp.cfg.Cluster.Token})
	if err != nil {
		t.Fatal(err)
	}
	key, err := pki.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	req, err := pki.NewCSR(key, pki.Request{CommonName: "system:node:boot-1", Organization: []string{"system:nodes"}})
	if err != nil {
		t.Fatal(err)
	}
	csr := map[string]any{"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
		"metadata": map[string]any{"generateName": "node-csr-"},
		"spec": map[string]any{"request": req, "signerName": "kubernetes.io/kube-apiserver-client-kubelet",
			"usages": []string{"digital signature", "client auth"}}}
	var created kubecluster.CSR
	if err := tok.Create(ctxFor(t), csrs, csr, &created); err != nil {
		t.Fatalf("create a node client CSR with the bootstrap token: %v", err)
	}
	t.Cleanup(func() { _ = admin.Delete(ctxFor(t), csrs+"/"+created.Metadata.Name) })
	if want := "system:bootstrap:" + cp.cfg.Cluster.Token[:6]; created.Spec.Username != want {
		t.Errorf("CSR username = %q, want %q", created.Spec.Username, want)
	}
	if err := tok.Get(ctxFor(t), "/api/v1/nodes", nil); kubeapi.HTTPStatus(err) != 403 {
		t.Errorf("bootstrap token lists nodes: %v, want 403", err)
	}
	bootstrapper := []string{"system:bootstrappers", kubecluster.TokenGroup}
	node := []string{"system:nodes"}
	for _, tc := range []struct {
		user    string
		groups  []string
		attrs   map[string]string
		allowed bool
	}{
		{"system:bootstrap:abcdef", bootstrapper, certAttrs("nodeclient"), true},
		{"system:bootstrap:abcdef", bootstrapper, certAttrs("selfnodeclient"), false},
		{"system:node:w9", node, certAttrs("selfnodeclient"), true},
		{"system:node:w9", node, certAttrs("nodeclient"), false},
		{"system:node:w9", node, map[string]string{"verb": "list", "group": "discovery.k8s.io", "resource": "endpointslices"}, true},
		{"system:node:w9", node, map[string]string{"verb": "list", "resource": "secrets"}, false},
		{"system:serviceaccount:kube-system:coredns", nil, map[string]string{"verb": "watch", "group": "discovery.k8s.io", "resource": "endpointslices"}, true},
		{"system:serviceaccount:kube-system:coredns", nil, map[string]string{"verb": "get", "resource": "secrets", "namespace": "kube-system"}, false},
		{"jane", []string{"kubeadm:cluster-admins"}, map[string]string{"verb": "delete", "resource": "nodes"}, true},
	} {
		waitAllowed(t, admin, tc.user, tc.groups, tc.attrs, tc.allowed)
	}
}

// Deleting a binding takes the permission away; applying the manifests again restores it.
func TestBootstrapRepairs(t *testing.T) {
	admin := adminClient(t)
	cp := needCluster(t)
	list := map[string]string{"verb": "list", "group": "discovery.k8s.io", "resource": "endpointslices"}
	if err := admin.Delete(ctxFor(t), "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/cairn:node-proxier"); err != nil {
		t.Fatal(err)
	}
	waitAllowed(t, admin, "system:node:w9", []string{"system:nodes"}, list, false)
	if err := kubecluster.ApplyBootstrap(ctxFor(t), admin, manifestInput(cp)); err != nil {
		t.Fatalf("ApplyBootstrap as the admin: %v", err)
	}
	waitAllowed(t, admin, "system:node:w9", []string{"system:nodes"}, list, true)
}

// certAttrs are the attributes of the csrapproving controller's check for a CSR of kind k.
func certAttrs(k string) map[string]string {
	return map[string]string{"verb": "create", "group": "certificates.k8s.io", "resource": "certificatesigningrequests", "subresource": k}
}

// waitAllowed waits up to 10s for the apiserver's authorizer (whose RBAC view follows the
// bindings through an informer) to answer want.
func waitAllowed(t *testing.T, admin *kubeapi.Client, user string, groups []string, attrs map[string]string, want bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); allowed(t, admin, user, groups, attrs) != want; {
		if time.Now().After(deadline) {
			t.Errorf("%s %v may %v: %v after 10s, want %v", user, groups, attrs, !want, want)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// allowed asks the apiserver, with a SubjectAccessReview, whether user in groups may do attrs.
func allowed(t *testing.T, admin *kubeapi.Client, user string, groups []string, attrs map[string]string) bool {
	t.Helper()
	sar := map[string]any{"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
		"spec": map[string]any{"user": user, "groups": append(groups, "system:authenticated"), "resourceAttributes": attrs}}
	var out struct {
		Status struct {
			Allowed bool `json:"allowed"`
		} `json:"status"`
	}
	if err := admin.Create(ctxFor(t), "/apis/authorization.k8s.io/v1/subjectaccessreviews", sar, &out); err != nil {
		t.Fatalf("SubjectAccessReview: %v", err)
	}
	return out.Status.Allowed
}
