package kubecluster

import (
	"net/netip"
	"testing"
	"time"

	"github.com/cairn-os/cairn/internal/controllers/kubecluster"
	"github.com/cairn-os/cairn/internal/pkg/kubeapi"
	"github.com/cairn-os/cairn/internal/pkg/kubepki"
)

func manifestInput(cp *controlPlane) kubecluster.ManifestInput {
	n := cp.cfg.Cluster.Network
	return kubecluster.ManifestInput{BootstrapToken: cp.cfg.Cluster.Token, ServiceSubnets: n.ServiceSubnets,
		DNSDomain: n.DNSDomain, Upstreams: []netip.Addr{netip.MustParseAddr("192.0.2.53")}}
}

// The bootstrap manifests apply as the super admin; applying them again changes nothing; and
// admin.conf (O=kubeadm:cluster-admins) is an administrator only through their binding.
func TestApplyBootstrapTwice(t *testing.T) {
	cp := needCluster(t)
	ctx := ctxFor(t)
	admin, super := cp.client(t, kubepki.AdminConf), cp.client(t, kubepki.SuperAdminConf)
	// As on a new cluster (or after an earlier test applied them): no kubeadm:cluster-admins.
	err := super.Delete(ctx, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/kubeadm:cluster-admins")
	if err != nil && !kubeapi.IsNotFound(err) {
		t.Fatal(err)
	}
	waitAllowed(t, super, "kubernetes-admin", []string{"kubeadm:cluster-admins"}, map[string]string{"verb": "list", "resource": "nodes"}, false)
	if err := admin.Get(ctx, "/api/v1/nodes", nil); kubeapi.HTTPStatus(err) != 403 {
		t.Fatalf("admin.conf without the bootstrap manifests: list nodes = %v, want 403", err)
	}
	if err := kubecluster.ApplyBootstrap(ctx, super, manifestInput(cp)); err != nil {
		t.Fatalf("ApplyBootstrap: %v", err)
	}
	waitAdmin(t, admin)
	before := versions(t, admin)
	if err := kubecluster.ApplyBootstrap(ctx, super, manifestInput(cp)); err != nil {
		t.Fatalf("ApplyBootstrap again: %v", err)
	}
	after := versions(t, admin)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s: resourceVersion %s after the second apply, want %s (unchanged)", k, after[k], v)
		}
	}
	var svc struct {
		Spec struct {
			ClusterIP string `json:"clusterIP"`
		} `json:"spec"`
	}
	if err := admin.Get(ctx, "/api/v1/namespaces/kube-system/services/kube-dns", &svc); err != nil || svc.Spec.ClusterIP != "10.96.0.10" {
		t.Errorf("kube-dns = %+v, %v; want clusterIP 10.96.0.10", svc, err)
	}
}

// waitAdmin waits up to 10s for admin to list nodes: the apiserver's RBAC view follows the
// new bindings through an informer.
func waitAdmin(t *testing.T, admin *kubeapi.Client) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := admin.Get(ctxFor(t), "/api/v1/nodes", nil)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("admin.conf after the bootstrap manifests: list nodes = %v after 10s", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// versions returns the resourceVersion of each bootstrap object, read as the admin.
func versions(t *testing.T, c *kubeapi.Client) map[string]string {
	t.Helper()
	paths := []string{
		"/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/kubeadm:cluster-admins",
		"/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/kubeadm:kubelet-bootstrap",
		"/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/kubeadm:node-autoapprove-bootstrap",
		"/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/kubeadm:node-autoapprove-certificate-rotation",
		"/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/cairn:node-proxier",
		"/apis/rbac.authorization.k8s.io/v1/clusterroles/system:coredns",
		"/api/v1/namespaces/kube-system/secrets/bootstrap-token-" + tokenID(t),
		"/api/v1/namespaces/kube-system/serviceaccounts/coredns",
		"/api/v1/namespaces/kube-system/configmaps/coredns",
		"/apis/apps/v1/namespaces/kube-system/deployments/coredns",
		"/api/v1/namespaces/kube-system/services/kube-dns",
	}
	out := map[string]string{}
	for _, p := range paths {
		var o struct {
			Metadata struct {
				ResourceVersion string `json:"resourceVersion"`
			} `json:"metadata"`
		}
		if err := c.Get(ctxFor(t), p, &o); err != nil {
			t.Fatalf("after ApplyBootstrap: %v", err)
		}
		out[p] = o.Metadata.ResourceVersion
	}
	return out
}

func tokenID(t *testing.T) string {
	tok := needCluster(t).cfg.Cluster.Token
	return tok[:6]
}
