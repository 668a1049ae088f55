package integration

import (
	"path/filepath"
	"testing"

	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// TestFIPSOnlyNode runs a node whose daemons allow only FIPS 140-3 approved cryptography
// (GODEBUG=fips140=only panics on anything else) and talks to it directly and through node-a;
// its evidence (checks as OSCAL, whose UUIDs are derived by hashing, and the SBOM) is signed
// and verified in that mode too.
func TestFIPSOnlyNode(t *testing.T) {
	dir := t.TempDir()
	cfg, err := writeNodeConfig(shared.bundle, dir, "node-f")
	if err != nil {
		t.Fatal(err)
	}
	n := &node{ip: "127.0.0.8", state: filepath.Join(dir, "state"), config: cfg, env: []string{"GODEBUG=fips140=only"},
		extra: []string{"--root", evidenceRoot(t)}}
	if err := n.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		n.stop()
		if t.Failed() {
			t.Logf("machined %s output:\n%s", n.ip, tail(n.out.String(), 60))
		}
	})
	if err := waitReady(n, shared.configs[role.Admin]); err != nil {
		t.Fatal(err)
	}
	r := shared.configs[role.Reader]
	wantContains(t, "services on the FIPS-only node", mustCtl(t, r, "services", "-e", "127.0.0.8"), "apid", "trustd", "Running")
	wantContains(t, "version through node-a", mustCtl(t, r, "version", "-n", "127.0.0.8"), "Node 127.0.0.8 (node-f")
	a := shared.configs[role.Auditor]
	wantContains(t, "its audit chain", mustCtl(t, a, "audit", "verify", "-n", "127.0.0.8"), "127.0.0.8: OK")
	wantContains(t, "its checks as OSCAL", mustCtl(t, a, "evidence", "checks", "--format", "oscal", "-e", "127.0.0.8"), `"assessment-results"`)
	sbom := filepath.Join(t.TempDir(), "sbom.json")
	mustCtl(t, a, "evidence", "sbom", "-o", sbom, "-e", "127.0.0.8")
	wantContains(t, "its SBOM verified offline", mustCtl(t, a, "evidence", "verify", sbom+".dsse.json"), "matches the statement's digest", "node-f")
}
