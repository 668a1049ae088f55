package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-os/cairn/internal/evidence/sbom"
	"github.com/cairn-os/cairn/internal/evidence/sbom/schema"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// evidenceRoot stages a small image root: the cairn binary these tests run (a real Go
// program), a link to it and a generated file, and the extra files (node path: host file,
// each an external component's build), with the SBOM the image builder would write.
func evidenceRoot(t *testing.T, extra ...[2]string) string {
	t.Helper()
	root := t.TempDir()
	data, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"sbin", "etc", "usr/share/cairn"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "sbin/cairn"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("cairn", filepath.Join(root, "sbin/machined")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/os-release"), []byte("ID=cairn\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	origins := map[string]sbom.Origin{"/sbin/cairn": {Kind: sbom.OriginCairn, Version: "v0.0.0-it"}, "/sbin/machined": {Kind: sbom.OriginCairn},
		"/etc/os-release": {Kind: sbom.OriginGenerated}}
	for _, e := range extra {
		data, err := os.ReadFile(e[1])
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(e[0])), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, e[0]), data, 0o755); err != nil {
			t.Fatal(err)
		}
		origins[e[0]] = sbom.Origin{Kind: sbom.OriginExternal}
	}
	img := sbom.Image{Name: "cairn", Version: "v0.0.0-it", Created: time.Unix(1700000000, 0), Distro: "debian-12",
		Kernel:  sbom.Kernel{Package: "linux-image-6.1.0-56-cloud-amd64", Version: "6.1.192-2", SHA256: strings.Repeat("0", 64), Release: "6.1.0-56-cloud-amd64"},
		Origins: origins}
	bill, err := sbom.Scan(root, img, sbom.SPDXPath, sbom.CycloneDXPath)
	if err != nil {
		t.Fatal(err)
	}
	for p, encode := range map[string]func() ([]byte, error){sbom.SPDXPath: bill.SPDX, sbom.CycloneDXPath: bill.CycloneDX} {
		doc, err := encode()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, p), doc, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// startEvidenceNode starts a node (container mode) on ip named name, whose root is a staged
// image root, and returns a temporary directory for the test's files.
func startEvidenceNode(t *testing.T, ip, name string) string {
	t.Helper()
	return startNodeOnRoot(t, ip, name, evidenceRoot(t))
}

// startNodeOnRoot starts a node (container mode) on ip named name whose root is root, and
// returns a temporary directory for the test's files.
func startNodeOnRoot(t *testing.T, ip, name, root string) string {
	t.Helper()
	dir := t.TempDir()
	cfg, err := writeNodeConfig(shared.bundle, dir, name)
	if err != nil {
		t.Fatal(err)
	}
	n := &node{ip: ip, state: filepath.Join(dir, "state"), config: cfg, extra: []string{"--root", root}}
	if err := n.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		n.stop()
		if t.Failed() {
			t.Logf("machined %s output:\n%s", ip, tail(n.out.String(), 60))
		}
	})
	if err := waitReady(n, shared.configs[role.Admin]); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestEvidence gets the SBOM (both formats) and the inventory from a node through the API
// with an os:auditor certificate, checks they are schema-valid and signed by the node, verifies
// the saved statements offline, refuses os:reader and os:operator, and finds the calls in the
// node's audit log under the auditor's name.
func TestEvidence(t *testing.T) {
	const ip = "127.0.0.41"
	dir := startEvidenceNode(t, ip, "node-evidence")
	auditor := shared.configs[role.Auditor]
	for format, validate := range map[string]func([]byte) error{"spdx": schema.SPDX, "cyclonedx": schema.CycloneDX} {
		file := filepath.Join(dir, "node."+format+".json")
		mustCtl(t, auditor, "evidence", "sbom", "--format", format, "-n", ip, "-o", file)
		doc, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate(doc); err != nil {
			t.Errorf("the %s SBOM from the API is not schema-valid: %v", format, err)
		}
		wantContains(t, format+" SBOM", string(doc), "pkg:golang/stdlib@", "pkg:golang/google.golang.org/grpc@", "/sbin/cairn")
		out := mustCtl(t, auditor, "evidence", "verify", file+".dsse.json")
		wantContains(t, "verify "+format, out, "node:", "node-evidence", "matches the statement's digest", "boot id:", sbom.SPDXPath)
	}
	out := mustCtl(t, auditor, "evidence", "inventory", "-n", ip)
	wantContains(t, "inventory table", out, "/sbin/cairn", "github.com/cairn-os/cairn", "cairn")
	signed := filepath.Join(dir, "inventory.dsse.json")
	out = mustCtl(t, auditor, "evidence", "inventory", "-n", ip, "-o", "json", "--signed", signed)
	wantContains(t, "inventory json", out, `"path": "/sbin/cairn"`, `"origin": "cairn"`, `"CGO_ENABLED"`, `"sha256"`)
	wantContains(t, "verify inventory", mustCtl(t, auditor, "evidence", "verify", signed), "inventory", "node-evidence")

	// A changed SBOM no longer matches what the node signed.
	file := filepath.Join(dir, "node.spdx.json")
	if err := os.WriteFile(file, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	wantFail(t, auditor, []string{"evidence", "verify", file + ".dsse.json"}, "invalid evidence", "sha256")

	for _, r := range []role.Role{role.Reader, role.Operator} {
		wantFail(t, shared.configs[r], []string{"evidence", "sbom", "-n", ip}, "PermissionDenied", "needs one of [os:admin os:auditor]")
		wantFail(t, shared.configs[r], []string{"evidence", "inventory", "-n", ip}, "PermissionDenied", "needs one of [os:admin os:auditor]")
	}
	log := mustCtl(t, auditor, "audit", "log", "-n", ip)
	wantContains(t, "the node's audit log", log, "auditor[os:auditor]", "/cairn.evidence.EvidenceService/SBOM -> OK",
		"/cairn.evidence.EvidenceService/Inventory -> OK")
}
