package kubecluster

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/cairn-os/cairn/internal/controllers/kubecluster"
	"github.com/cairn-os/cairn/internal/pkg/kubeapi"
	"github.com/cairn-os/cairn/internal/pkg/kubepki"
)

const csrs = "/apis/certificates.k8s.io/v1/certificatesigningrequests"

// createCSR creates a kubelet-serving CSR named name as the node client c.
func createCSR(t *testing.T, c *kubeapi.Client, name string, request []byte) {
	t.Helper()
	csr := map[string]any{"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
		"metadata": map[string]any{"name": name},
		"spec": map[string]any{"request": request, "signerName": kubecluster.KubeletServingSigner,
			"usages": []string{"digital signature", "server auth"}}}
	if err := c.Create(ctxFor(t), csrs, csr, nil); err != nil {
		t.Fatalf("create CSR %s as the node: %v", name, err)
	}
	t.Cleanup(func() { _ = needCluster(t).client(t, kubepki.SuperAdminConf).Delete(ctxFor(t), csrs+"/"+name) })
}

// conditions returns the condition types of the CSR called name.
func conditions(t *testing.T, c *kubeapi.Client, name string) []string {
	t.Helper()
	var csr kubecluster.CSR
	if err := c.Get(ctxFor(t), csrs+"/"+name, &csr); err != nil {
		t.Fatalf("get CSR %s: %v", name, err)
	}
	var out []string
	for _, c := range csr.Status.Conditions {
		out = append(out, c.Type)
	}
	return out
}

// A node's serving CSR naming its own addresses is approved; one with an extra name, and one
// asking for another node's addresses, stay pending.
func TestApproveServingCSRs(t *testing.T) {
	admin := adminClient(t)
	createNode(t, admin, "w1", "", "10.5.0.3")
	createNode(t, admin, "w2", "", "10.5.0.4")
	w1 := nodeClient(t, "w1")
	createCSR(t, w1, "w1-good", servingRequest(t, "w1", "w1", "10.5.0.3"))
	createCSR(t, w1, "w1-extra-san", servingRequest(t, "w1", "w1", "kubernetes.default.svc", "10.5.0.3"))
	createCSR(t, w1, "w1-other-ip", servingRequest(t, "w1", "w1", "10.5.0.4"))

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- kubecluster.ApproveServingCSRs(ctx, admin, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	}()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("ApproveServingCSRs did not end within 10s of its context")
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for len(conditions(t, admin, "w1-good")) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("w1-good not approved within 30s")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got := conditions(t, admin, "w1-good"); len(got) != 1 || got[0] != "Approved" {
		t.Errorf("w1-good conditions = %q, want [Approved]", got)
	}
	time.Sleep(2 * time.Second) // the approver reviews every CSR of its view together
	for _, name := range []string{"w1-extra-san", "w1-other-ip"} {
		if got := conditions(t, admin, name); len(got) != 0 {
			t.Errorf("%s conditions = %q, want none (pending)", name, got)
		}
	}
}
