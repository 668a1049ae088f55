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
	grypeModule       = "testdata/grype"
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

	t.Logf("govulncheck scanned %d Go binaries from the inventory: %v", scanned, found)

	// grype and syft read both SBOM formats as the API serves them. grype scans with a
	// database grype's own builder makes from the same x/vuln advisories, offline.
	tools := filepath.Join(work, "tools")
	goBuild(t, grypeModule, "-o", tools+"/", "github.com/anchore/grype/cmd/grype", "github.com/anchore/syft/cmd/syft", "./grypedb")
	advisories, err := filepath.Glob(filepath.Join(db, "ID", "*.json"))
	if err != nil || len(advisories) == 0 {
		t.Fatalf("x/vuln's test advisories under %s: %v", db, err)
	}
	grypeCache := filepath.Join(work, "grype-db")
	run(t, nil, filepath.Join(tools, "grypedb"), append([]string{"-out", filepath.Join(grypeCache, "6")}, advisories...)...)
	for _, format := range []string{"cyclonedx", "spdx"} {
		sbomFile := filepath.Join(work, "sbom."+format+".json")
		mustCtl(t, auditor, "evidence", "sbom", "--format", format, "-n", ip, "-o", sbomFile)
		data, err := os.ReadFile(sbomFile)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, []byte(`pkg:golang/golang.org/x/text@v0.3.5`)) {
			t.Errorf("the %s SBOM from the API does not name golang.org/x/text v0.3.5 by its package URL", format)
		}
		matches := grypeMatches(t, filepath.Join(tools, "grype"), grypeCache, work, sbomFile)
		if !slices.Equal(matches, []string{plantedVuln + " golang.org/x/text@v0.3.5"}) {
			t.Errorf("grype sbom:%s: %q, want only %s in golang.org/x/text v0.3.5", filepath.Base(sbomFile), matches, plantedVuln)
		}
		pkgs := syftPackages(t, filepath.Join(tools, "syft"), work, sbomFile)
		if !slices.Contains(pkgs, "golang.org/x/text@v0.3.5") || !slices.Contains(pkgs, "stdlib@"+goVersion(t)) {
			t.Errorf("syft convert %s: packages %q, want golang.org/x/text@v0.3.5 and the Go toolchain as stdlib", filepath.Base(sbomFile), pkgs)
		}
		t.Logf("%s SBOM: grype matched %q with %d advisories; syft convert read %d Go packages", format, matches, len(advisories), len(pkgs))
	}
}

// scannerEnv keeps grype and syft offline and out of the user's home: no update checks, no
// database download (a stray one would go to a closed loopback port), a database of any age.
func scannerEnv(home, grypeCache string) []string {
	return append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home, "XDG_CACHE_HOME="+home,
		"GRYPE_CHECK_FOR_APP_UPDATE=false", "SYFT_CHECK_FOR_APP_UPDATE=false",
		"GRYPE_DB_CACHE_DIR="+grypeCache, "GRYPE_DB_AUTO_UPDATE=false", "GRYPE_DB_VALIDATE_AGE=false",
		"GRYPE_DB_REQUIRE_UPDATE_CHECK=false", "GRYPE_DB_UPDATE_URL=http://127.0.0.1:9/listing.json")
}

// grypeMatches runs grype on an SBOM file and returns each match as "ID package@version".
func grypeMatches(t *testing.T, grype, grypeCache, home, sbomFile string) []string {
	t.Helper()
	out := run(t, scannerEnv(home, grypeCache), grype, "sbom:"+sbomFile, "-o", "json", "-q")
	var doc struct {
		Matches []struct {
			Vulnerability struct{ ID string }            `json:"vulnerability"`
			Artifact      struct{ Name, Version string } `json:"artifact"`
		} `json:"matches"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("grype -o json: %v\n%s", err, out)
	}
	var got []string
	for _, m := range doc.Matches {
		got = append(got, m.Vulnerability.ID+" "+m.Artifact.Name+"@"+m.Artifact.Version)
	}
	slices.Sort(got)
	return slices.Compact(got)
}

// syftPackages converts an SBOM with syft convert to syft's own JSON and returns its Go
// packages as "name@version".
func syftPackages(t *testing.T, syft, home, sbomFile string) []string {
	t.Helper()
	out := run(t, scannerEnv(home, ""), syft, "convert", sbomFile, "-o", "syft-json", "-q")
	var doc struct {
		Artifacts []struct{ Name, Version, PURL string } `json:"artifacts"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("syft convert -o syft-json: %v\n%s", err, out)
	}
	var got []string
	for _, a := range doc.Artifacts {
		if strings.HasPrefix(a.PURL, "pkg:golang/") {
			got = append(got, a.Name+"@"+a.Version)
		}
	}
	return got
}

// run runs a command (env nil: the test's own) and returns its standard output.
func run(t *testing.T, env []string, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// goVersion is the Go release the test's binaries are built with, as SBOMs name stdlib.
func goVersion(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(strings.TrimSpace(string(out)), "go")
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
