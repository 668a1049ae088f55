package integration

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/defenseunicorns/go-oscal/src/pkg/validation"

	"github.com/cairn-os/cairn/internal/evidence/checks"
	"github.com/cairn-os/cairn/internal/evidence/facts"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// validateOSCAL checks a document against the OSCAL schema go-oscal carries.
func validateOSCAL(t *testing.T, name string, doc []byte) {
	t.Helper()
	v, err := validation.NewValidator(doc)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := v.Validate(); err != nil {
		t.Errorf("%s does not validate against the OSCAL schema: %v", name, err)
	}
}

// TestEvidencePostureChecks gets, with an os:auditor certificate, the posture and the checks in
// every format from a node in container mode, the OSCAL documents, a bundle that verify
// accepts (and refuses once tampered with) and a report rendered from it; os:reader and
// os:operator are refused; the calls are in the audit log under the auditor's name.
func TestEvidencePostureChecks(t *testing.T) {
	const ip = "127.0.0.42"
	dir := startEvidenceNode(t, ip, "node-posture")
	auditor := shared.configs[role.Auditor]

	out := mustCtl(t, auditor, "evidence", "posture", "-n", ip)
	wantContains(t, "posture table", out, "node-posture", "kernel", "lockdown", "root", "listen", "fips")
	var postures []struct {
		Node    string         `json:"node"`
		Posture facts.Snapshot `json:"posture"`
	}
	if err := json.Unmarshal([]byte(mustCtl(t, auditor, "evidence", "posture", "-n", ip, "-o", "json")), &postures); err != nil {
		t.Fatal(err)
	}
	p := postures[0].Posture
	// In container mode the root is a staged directory: its mount is the host's writable one,
	// and the posture must say so rather than describe the host's "/".
	if postures[0].Node != "node-posture" || p.Role != "controlplane" || !p.Kernel.Release.Known() || !p.Root.Known() || p.Root.Value.Mountpoint == "" {
		t.Errorf("posture: node %q role %q kernel %+v root %+v", postures[0].Node, p.Role, p.Kernel.Release, p.Root)
	}

	out = mustCtl(t, auditor, "evidence", "checks", "-n", ip)
	wantContains(t, "checks table", out, "H.1", "VERDICT", "node-posture: ", " checks: ", " PASS, ", " FAIL, ", " N/A")
	var kb checks.KubeBench
	if err := json.Unmarshal([]byte(mustCtl(t, auditor, "evidence", "checks", "-n", ip, "--format", "kube-bench")), &kb); err != nil {
		t.Fatalf("the kube-bench JSON does not parse: %v", err)
	}
	if len(kb.Controls) == 0 || kb.Totals.Pass+kb.Totals.Fail+kb.Totals.Warn+kb.Totals.Info == 0 {
		t.Errorf("kube-bench report: %d controls, totals %+v", len(kb.Controls), kb.Totals)
	}
	validateOSCAL(t, "assessment results", []byte(mustCtl(t, auditor, "evidence", "checks", "-n", ip, "--format", "oscal")))

	oscalDir := filepath.Join(dir, "oscal")
	mustCtl(t, auditor, "evidence", "oscal", "-n", ip, "-o", oscalDir)
	for _, name := range []string{"cairn-component-definition.json", "cairn-assessment-plan.json", "cairn-assessment-results.json"} {
		doc, err := os.ReadFile(filepath.Join(oscalDir, name))
		if err != nil {
			t.Fatal(err)
		}
		validateOSCAL(t, name, doc)
		wantContains(t, "verify "+name, mustCtl(t, auditor, "evidence", "verify", filepath.Join(oscalDir, name+".dsse.json")), "matches the statement's digest")
	}

	bundleFile := filepath.Join(dir, "evidence.tar.gz")
	mustCtl(t, auditor, "evidence", "bundle", "-n", ip, "-o", bundleFile)
	out = mustCtl(t, auditor, "evidence", "verify", bundleFile)
	wantContains(t, "verify bundle", out, "verified bundle", "node-posture", "sbom.spdx.json", "sbom.cdx.json", "inventory.json",
		"posture.json", "checks.json", "kube-bench.json", "cairn-assessment-results.json", "cairn-component-definition.json", "cairn-assessment-plan.json")
	tampered := filepath.Join(dir, "tampered.tar.gz")
	tamperBundle(t, bundleFile, tampered, "cairn-evidence/checks.json")
	wantFail(t, auditor, []string{"evidence", "verify", tampered}, "invalid evidence", "checks.json", "sha256")

	html := filepath.Join(dir, "report.html")
	mustCtl(t, auditor, "evidence", "report", "--from", bundleFile, "-o", html)
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	wantContains(t, "report", string(page), `<table class="checks">`, `<table class="posture">`, `id="binaries"`, "node-posture", "/sbin/cairn")

	for _, r := range []role.Role{role.Reader, role.Operator} {
		wantFail(t, shared.configs[r], []string{"evidence", "posture", "-n", ip}, "PermissionDenied", "needs one of [os:admin os:auditor]")
		wantFail(t, shared.configs[r], []string{"evidence", "checks", "-n", ip}, "PermissionDenied", "needs one of [os:admin os:auditor]")
	}
	log := mustCtl(t, auditor, "audit", "log", "-n", ip)
	wantContains(t, "the node's audit log", log, "auditor[os:auditor]", "/cairn.evidence.EvidenceService/Posture -> OK",
		"/cairn.evidence.EvidenceService/Checks -> OK")
}

// tamperBundle copies a bundle, changing one verdict in the file named.
func tamperBundle(t *testing.T, from, to, name string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	changed := false
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if hdr.Name == name {
			body = []byte(strings.Replace(string(body), `"verdict":"FAIL"`, `"verdict":"PASS"`, 1))
			changed = true
			hdr.Size = int64(len(body))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	if !changed {
		t.Fatalf("the bundle has no %s", name)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
