package kubecluster

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/cairn-os/cairn/internal/pkg/kubeapi"
)

const (
	csrPath = "/apis/certificates.k8s.io/v1/certificatesigningrequests"
	// recheck is how often pending CSRs are looked at again: their node may have appeared or
	// reported its addresses since.
	recheck = 15 * time.Second
)

// ApproveServingCSRs watches kubelet-serving CSRs until ctx ends and approves those that
// ServingDecision allows; any other stays pending, its reason logged once. It returns
// ctx.Err().
func ApproveServingCSRs(ctx context.Context, c *kubeapi.Client, log *slog.Logger) error {
	log = log.With("component", "csr-approver")
	views := make(chan map[string]json.RawMessage, 1)
	q := url.Values{"fieldSelector": {"spec.signerName=" + KubeletServingSigner}}
	var wg sync.WaitGroup
	defer wg.Wait() // the informer ends with ctx, as this function does
	wg.Go(func() {
		_ = c.Inform(ctx, csrPath, q, log, func(v map[string]json.RawMessage) {
			replace(views, v)
		})
	})
	a := &approver{c: c, log: log, logged: map[string]string{}, approved: map[string]bool{}}
	var view map[string]json.RawMessage
	tick := time.NewTicker(recheck)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case view = <-views:
		case <-tick.C:
		}
		a.review(ctx, view)
	}
}

type approver struct {
	c        *kubeapi.Client
	log      *slog.Logger
	logged   map[string]string // CSR name → the reason last logged
	approved map[string]bool   // CSRs approved, until the view shows it
}

// review decides every undecided CSR of view.
func (a *approver) review(ctx context.Context, view map[string]json.RawMessage) {
	for name := range a.logged {
		if _, ok := view[name]; !ok {
			delete(a.logged, name)
		}
	}
	for name := range a.approved {
		if _, ok := view[name]; !ok {
			delete(a.approved, name)
		}
	}
	for name, raw := range view {
		var csr CSR
		if err := json.Unmarshal(raw, &csr); err != nil {
			a.once(name, "not a CertificateSigningRequest: "+err.Error())
			continue
		}
		if csr.decided() || a.approved[name] {
			continue
		}
		if err := a.consider(ctx, name, &csr, raw); err != nil {
			a.log.Warn("approve CSR", "csr", name, "error", err)
		}
	}
}

// consider approves csr if ServingDecision allows it; raw is the whole object.
func (a *approver) consider(ctx context.Context, name string, csr *CSR, raw json.RawMessage) error {
	var node *Node
	if nodeName, err := csr.nodeName(); err == nil { // else ServingDecision gives the reason
		if node, err = a.node(ctx, nodeName); err != nil {
			return err
		}
	}
	ok, reason := ServingDecision(csr, node)
	if !ok {
		a.once(name, reason)
		return nil
	}
	if err := approve(ctx, a.c, name, raw); err != nil {
		return err
	}
	a.approved[name] = true
	a.log.Info("approved kubelet serving certificate", "csr", name, "requester", csr.Spec.Username)
	return nil
}

// node returns the Node called name, nil if there is none.
func (a *approver) node(ctx context.Context, name string) (*Node, error) {
	var n Node
	err := a.c.Get(ctx, "/api/v1/nodes/"+url.PathEscape(name), &n)
	if kubeapi.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get node %q: %w", name, err)
	}
	return &n, nil
}

func (a *approver) once(name, reason string) {
	if a.logged[name] != reason {
		a.logged[name] = reason
		a.log.Warn("kubelet serving CSR left pending", "csr", name, "reason", reason)
	}
}

// approve adds the Approved condition to the CSR through its approval subresource (a PUT of the
// whole object). A conflict means the CSR changed; the next review sees the new one.
func approve(ctx context.Context, c *kubeapi.Client, name string, raw json.RawMessage) error {
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		return err
	}
	status, _ := obj["status"].(map[string]any)
	if status == nil {
		status = map[string]any{}
		obj["status"] = status
	}
	conds, _ := status["conditions"].([]any)
	status["conditions"] = append(conds, map[string]any{
		"type": "Approved", "status": "True", "reason": "CairnNodeNamesMatch",
		"message":        "machined approved it: the requested names are the node's addresses",
		"lastUpdateTime": time.Now().UTC().Format(time.RFC3339),
	})
	return c.Update(ctx, csrPath+"/"+url.PathEscape(name)+"/approval", obj, nil)
}
