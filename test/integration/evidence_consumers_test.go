package integration

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// The consumer tests' build modules (pinned, test only) and the advisories they scan with.
const (
	plantedModule     = "testdata/planted"
	govulncheckModule = "testdata/govulncheck"
	// vulnDB is the vulnerability database in golang.org/x/vuln's own test data (OSV files in
	// the v1 layout govulncheck reads with -db file://): no network.
	vulnDB = "cmd/govulncheck/testdata/common/vulndb-v1"
	// plantedVuln is what the planted program must be found to have: GO-2021-0113 in
	// golang.org/x/text v0.3.5 (fixed in v0.3.7), through language.Parse.
	plantedVuln = "GO-2021-0113"
)

// TestEvidenceConsumers feeds what an auditor gets from the API to an unmodified scanner:
// govulncheck -mode=binary, with a local database of x/vuln's test advisories, on every Go
// binary the inventory lists (each checked against the inventory's sha256 first). The image
// root carries a planted program built with x/text v0.3.5: govulncheck reports GO-2021-0113
// in it, through the vulnerable symbol, and nothing in Cairn's own binary; the SBOM from the
// API names the old module with the package URL scanners match on.
func TestEvidenceConsumers(t *testing.T) {
	const ip = "127.0.0.45"
	work := t.TempDir()
	planted := filepath.Join(work, "planted")
	goBuild(t, plantedModule, "-trimpath", "-o", planted, ".")
	govulncheck := filepath.Join(work, "govulncheck")
	goBuild(t, govulncheckModule, "-o", govulncheck, "golang.org/x/vuln/cmd/govulncheck")
	db := filepath.Join(moduleDir(t, govulncheckModule, "golang.org/x/vuln"), vulnDB)

	root := evidenceRoot(t, [2]string{"/usr/bin/planted", planted})
	startNodeOnRoot(t, ip, "node-consumers", root)
	auditor := shared.configs[role.Auditor]

	var nodes []struct {
		Inventory struct {
			Binaries []struct {
				Path, SHA256 string
				ELF          *struct {
					Go *struct{ Main struct{ Path string } } `json:"go"`
				} `json:"elf"`
			} `json:"binaries"`
		} `json:"inventory"`
	}
	out := mustCtl(t, auditor, "evidence", "inventory", "-n", ip, "-o", "json")
	if err := json.Unmarshal([]byte(out), &nodes); err != nil || len(nodes) != 1 {
		t.Fatalf("evidence inventory -o json: %v, %d nodes\n%s", err, len(nodes), out)
	}
	found := map[string][]string{}
	scanned := 0
	for _, b := range nodes[0].Inventory.Binaries {
		if b.ELF == nil || b.ELF.Go == nil {
			continue
		}
		host := filepath.Join(root, b.Path)
		if sum := fileSHA256(t, host); sum != b.SHA256 {
			t.Fatalf("%s: sha256 %s on disk, %s in the inventory", b.Path, sum, b.SHA256)
		}
		scanned++
		found[b.Path] = govulncheckFindings(t, govulncheck, db, host)
	}
	if scanned < 2 {
		t.Fatalf("the inventory lists %d Go binaries, want /sbin/cairn and /usr/bin/planted at least:\n%s", scanned, out)
	}
	if !slices.Equal(found["/usr/bin/planted"], []string{plantedVuln + " golang.org/x/text@v0.3.5 language.Parse"}) {
		t.Errorf("govulncheck on the planted program: %q, want %s through language.Parse", found["/usr/bin/planted"], plantedVuln)
	}
	for p, f := range found {
		if p != "/usr/bin/planted" && len(f) > 0 {
			t.Errorf("govulncheck on %s: %q, want nothing", p, f)
		}
	}

	sbomFile := filepath.Join(work, "sbom.cdx.json")
	mustCtl(t, auditor, "evidence", "sbom", "--format", "cyclonedx", "-n", ip, "-o", sbomFile)
	data, err := os.ReadFile(sbomFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`"pkg:golang/golang.org/x/text@v0.3.5`)) {
		t.Error("the CycloneDX SBOM from the API does not name golang.org/x/text v0.3.5 by its package URL")
	}
	t.Logf("govulncheck scanned %d Go binaries from the inventory: %v", scanned, found)
}

// govulncheckFindings runs govulncheck -mode=binary on bin against db and returns each
// finding that reaches a symbol, as "ID module@version function".
func govulncheckFindings(t *testing.T, govulncheck, db, bin string) []string {
	t.Helper()
	cmd := exec.Command(govulncheck, "-db", "file://"+db, "-mode=binary", "-format", "json", bin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("govulncheck %s: %v\n%s", bin, err, stderr.String())
	}
	var got []string
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var msg struct {
			Finding *struct {
				OSV   string `json:"osv"`
				Trace []struct{ Module, Version, Package, Function string }
			} `json:"finding"`
		}
		if err := dec.Decode(&msg); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("govulncheck %s: %v\n%s", bin, err, out)
		}
		if f := msg.Finding; f != nil && len(f.Trace) > 0 && f.Trace[0].Function != "" {
			top := f.Trace[0]
			got = append(got, f.OSV+" "+top.Module+"@"+top.Version+" "+path.Base(top.Package)+"."+top.Function)
		}
	}
	slices.Sort(got)
	return slices.Compact(got)
}

// goBuild runs go build in a pinned build module of this package's testdata.
func goBuild(t *testing.T, module string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", append([]string{"build"}, args...)...)
	cmd.Dir, cmd.Env = module, append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build in %s: %v\n%s", module, err, out)
	}
}

// moduleDir is the module cache directory of a module module requires.
func moduleDir(t *testing.T, module, path string) string {
	t.Helper()
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", path)
	cmd.Dir, cmd.Env = module, append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly")
	out, err := cmd.Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		t.Fatalf("go list -m %s in %s: %v %s", path, module, err, out)
	}
	return strings.TrimSpace(string(out))
}

func fileSHA256(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
