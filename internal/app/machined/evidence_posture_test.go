package machined

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/internal/evidence/attest"
	"github.com/cairn-os/cairn/internal/evidence/checks"
	"github.com/cairn-os/cairn/internal/evidence/facts"
	"github.com/cairn-os/cairn/internal/evidence/nodefixture"
	"github.com/cairn-os/cairn/internal/evidence/oscal"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/evidence"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// postureAPI serves the evidence API on a fixture control-plane node, signing with a key
// the returned CA issued.
func postureAPI(t *testing.T) (*evidenceAPI, *x509.CertPool) {
	t.Helper()
	n := nodefixture.Build(t, true)
	ca, err := pki.NewCA(pki.Request{CommonName: "os"})
	if err != nil {
		t.Fatal(err)
	}
	kp, err := ca.Issue(pki.Request{CommonName: "cp-1", OrganizationalUnit: []string{pki.ControlPlaneUnit}, DNSNames: []string{"cp-1"}, Usage: pki.ServerAuth})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := attest.NewSigner(kp.PrivateKey, []*x509.Certificate{kp.Certificate, ca.Certificate})
	if err != nil {
		t.Fatal(err)
	}
	a := &evidenceAPI{
		log: slog.New(slog.NewTextHandler(io.Discard, nil)), md: func() *common.Metadata { return &common.Metadata{Hostname: "cp-1"} },
		root: n.Sources.Root, proc: n.Sources.Proc, sys: n.Sources.Sys, role: func() string { return "controlplane" },
		signer: func() (*attest.Signer, error) { return signer, nil }, collectTimeout: time.Minute, scanning: make(chan struct{}, 1),
	}
	return a, ca.CertPool()
}

// verifiedBody checks a reply's statement and returns its body.
func verifiedBody(t *testing.T, signed []byte, roots *x509.CertPool, kind, subject, nonce string) []byte {
	t.Helper()
	v, err := attest.Verify(signed, roots)
	if err != nil {
		t.Fatalf("Verify(%s) = %v", subject, err)
	}
	st := v.Statement
	if p := st.Predicate; p.Kind != kind || p.Nonce != nonce || p.Node != "cp-1" || st.Subject[0].Name != subject {
		t.Fatalf("statement of %s %s for node %s with nonce %q, want %s %s for cp-1 with %q", p.Kind, st.Subject[0].Name, p.Node, p.Nonce, kind, subject, nonce)
	}
	if err := st.SubjectMatches(st.Predicate.Body); err != nil {
		t.Fatal(err)
	}
	return st.Predicate.Body
}

// TestPosture: the posture of a fixture node comes back signed, with the node's role, its
// kernel and its Kubernetes processes.
func TestPosture(t *testing.T) {
	a, roots := postureAPI(t)
	resp, err := a.Posture(context.Background(), &evidence.PostureRequest{Nonce: "n1"})
	if err != nil {
		t.Fatalf("Posture = %v", err)
	}
	var snap facts.Snapshot
	if err := json.Unmarshal(verifiedBody(t, resp.GetMessages()[0].GetSigned(), roots, attest.KindPosture, attest.SubjectPosture, "n1"), &snap); err != nil {
		t.Fatal(err)
	}
	if snap.Role != "controlplane" || !snap.Kernel.Release.Known() || len(snap.Processes.Value) == 0 || !snap.Root.Known() {
		t.Errorf("posture: role %q, kernel %+v, %d processes, root %+v", snap.Role, snap.Kernel.Release, len(snap.Processes.Value), snap.Root)
	}
	if _, err := a.Posture(context.Background(), &evidence.PostureRequest{Nonce: strings.Repeat("x", maxNonce+1)}); !errors.Is(err, apierr.ErrInvalidArgument) {
		t.Errorf("Posture(long nonce) = %v, want invalid argument", err)
	}
}

// TestChecksFormats: every format comes back signed under the subject that names it, and
// the formats agree on the results.
func TestChecksFormats(t *testing.T) {
	a, roots := postureAPI(t)
	body := func(f evidence.ChecksFormat, subject string) []byte {
		t.Helper()
		resp, err := a.Checks(context.Background(), &evidence.ChecksRequest{Nonce: "n2", Format: f})
		if err != nil {
			t.Fatalf("Checks(%v) = %v", f, err)
		}
		return verifiedBody(t, resp.GetMessages()[0].GetSigned(), roots, attest.KindChecks, subject, "n2")
	}
	var native []checks.Result
	if err := json.Unmarshal(body(evidence.ChecksFormat_NATIVE, attest.SubjectChecks), &native); err != nil {
		t.Fatal(err)
	}
	var kb checks.KubeBench
	if err := json.Unmarshal(body(evidence.ChecksFormat_KUBE_BENCH, attest.SubjectKubeBench), &kb); err != nil {
		t.Fatal(err)
	}
	counted := kb.Totals.Pass + kb.Totals.Fail + kb.Totals.Warn + kb.Totals.Info
	if len(native) < 50 || counted != len(native) {
		t.Errorf("%d native results, kube-bench counts %d", len(native), counted)
	}
	for f, name := range map[evidence.ChecksFormat]string{evidence.ChecksFormat_OSCAL: oscal.AssessmentResultsFile,
		evidence.ChecksFormat_OSCAL_COMPONENT_DEFINITION: oscal.ComponentDefinitionFile, evidence.ChecksFormat_OSCAL_ASSESSMENT_PLAN: oscal.AssessmentPlanFile} {
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(body(f, name), &doc); err != nil || len(doc) != 1 {
			t.Errorf("%s: %d top-level members, %v: want one OSCAL model", name, len(doc), err)
		}
	}
	if _, err := a.Checks(context.Background(), &evidence.ChecksRequest{}); !errors.Is(err, apierr.ErrInvalidArgument) {
		t.Errorf("Checks(no format) = %v, want invalid argument", err)
	}
}

// TestCollectTurnAndBounds: a collection waits for the one in progress and gives up when
// its caller goes away; one that outlives collectTimeout is Unavailable.
func TestCollectTurnAndBounds(t *testing.T) {
	a, _ := postureAPI(t)
	a.scanning <- struct{}{}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := a.Posture(ctx, &evidence.PostureRequest{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Posture while another collection runs = %v, want the caller's deadline", err)
	}
	<-a.scanning
	a.collectTimeout = time.Nanosecond
	if _, err := a.Checks(context.Background(), &evidence.ChecksRequest{Format: evidence.ChecksFormat_NATIVE}); !errors.Is(err, apierr.ErrUnavailable) {
		t.Errorf("Checks with a collection past its bound = %v, want unavailable", err)
	}
	if len(a.scanning) != 0 {
		t.Error("the collection turn was not given back")
	}
}
