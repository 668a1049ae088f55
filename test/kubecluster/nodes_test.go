package kubecluster

import (
	"net"
	"sync"
	"testing"

	"github.com/cairn-os/cairn/internal/controllers/kubecluster"
	"github.com/cairn-os/cairn/internal/pkg/kubeapi"
	"github.com/cairn-os/cairn/internal/pkg/kubepki"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

var bootstrapOnce sync.Once

// adminClient returns an admin.conf client once the bootstrap manifests are applied.
func adminClient(t *testing.T) *kubeapi.Client {
	t.Helper()
	cp := needCluster(t)
	var err error
	bootstrapOnce.Do(func() {
		err = kubecluster.ApplyBootstrap(ctxFor(t), cp.client(t, kubepki.SuperAdminConf), manifestInput(cp))
	})
	if err != nil {
		t.Fatalf("ApplyBootstrap: %v", err)
	}
	admin := cp.client(t, kubepki.AdminConf)
	waitAdmin(t, admin)
	return admin
}

// createNode creates a Node as the admin, with a pod CIDR (if any) and addresses of types
// Hostname (its name) and InternalIP (ip, if any).
func createNode(t *testing.T, admin *kubeapi.Client, name, podCIDR, ip string) {
	t.Helper()
	addrs := []map[string]string{{"type": "Hostname", "address": name}}
	if ip != "" {
		addrs = append(addrs, map[string]string{"type": "InternalIP", "address": ip})
	}
	node := map[string]any{"apiVersion": "v1", "kind": "Node", "metadata": map[string]any{"name": name},
		"spec": map[string]any{"podCIDR": podCIDR}, "status": map[string]any{"addresses": addrs}}
	if podCIDR != "" {
		node["spec"].(map[string]any)["podCIDRs"] = []string{podCIDR}
	}
	if err := admin.Create(ctxFor(t), "/api/v1/nodes", node, nil); err != nil {
		t.Fatalf("create node %s: %v", name, err)
	}
	t.Cleanup(func() { _ = admin.Delete(ctxFor(t), "/api/v1/nodes/"+name) })
}

// nodeClient returns a client authenticated as system:node:NAME (group system:nodes), with a
// certificate from the cluster CA as a kubelet's client certificate would be.
func nodeClient(t *testing.T, name string) *kubeapi.Client {
	t.Helper()
	cp := needCluster(t)
	ca, err := pki.ParseKeyPair(cp.input.KubernetesCA.Crt, cp.input.KubernetesCA.Key)
	if err != nil {
		t.Fatal(err)
	}
	kp, err := ca.Issue(pki.Request{CommonName: "system:node:" + name, Organization: []string{"system:nodes"}, Usage: pki.ClientAuth})
	if err != nil {
		t.Fatal(err)
	}
	c, err := kubeapi.New(kubeapi.Config{Server: cp.server, CA: ca.CertPEM, CertPEM: kp.CertPEM, KeyPEM: kp.KeyPEM})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// servingRequest is a PEM CSR for CN=system:node:NAME,O=system:nodes naming sans, each an IP
// address or a DNS name.
func servingRequest(t *testing.T, name string, sans ...string) []byte {
	t.Helper()
	r := pki.Request{CommonName: "system:node:" + name, Organization: []string{"system:nodes"}}
	for _, san := range sans {
		if ip := net.ParseIP(san); ip != nil {
			r.IPAddresses = append(r.IPAddresses, ip)
		} else {
			r.DNSNames = append(r.DNSNames, san)
		}
	}
	key, err := pki.GenerateKey()
	if err == nil {
		var csr []byte
		if csr, err = pki.NewCSR(key, r); err == nil {
			return csr
		}
	}
	t.Fatalf("CSR for %s: %v", name, err)
	return nil
}
