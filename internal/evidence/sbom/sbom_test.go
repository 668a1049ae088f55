package sbom

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-os/cairn/internal/evidence/sbom/schema"
)

// goProgram builds a small Go program of module mod into out. With sys, it links
// golang.org/x/sys at the version Cairn's go.mod pins (from the module cache: no network).
func goProgram(t *testing.T, out, mod string, sys bool) {
	t.Helper()
	dir := t.TempDir()
	src := "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"fixture\") }\n"
	gomod := "module " + mod + "\n\ngo 1.26\n"
	if sys {
		src = "package main\n\nimport (\n\t\"fmt\"\n\n\t\"golang.org/x/sys/unix\"\n)\n\nfunc main() { fmt.Println(unix.Getpid()) }\n"
		gomod += "\nrequire golang.org/x/sys v0.49.0\n"
	}
	for name, data := range map[string]string{"main.go": src, "go.mod": gomod} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFIPS140=certified", "GOFLAGS=-mod=mod -buildvcs=false", "GOPROXY=off", "GOSUMDB=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", mod, err, b)
	}
}

func write(t *testing.T, root, name, data string) {
	t.Helper()
	p := filepath.Join(root, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fixture is a small image root with a file of every origin, and what the builder would say
// of it.
func fixture(t *testing.T) (string, Image) {
	t.Helper()
	root := t.TempDir()
	goProgram(t, filepath.Join(root, "sbin/cairn"), "github.com/cairn-os/cairn", false)
	if err := os.Symlink("cairn", filepath.Join(root, "sbin/init")); err != nil {
		t.Fatal(err)
	}
	goProgram(t, filepath.Join(root, "usr/bin/tool"), "example.com/external/tool", true)
	pause := filepath.Join(t.TempDir(), "pause")
	goProgram(t, pause, "example.com/external/pause", false)
	write(t, root, "usr/lib/x86_64-linux-gnu/libc.so.6", "not really libc")
	write(t, root, "etc/protocols", "udp 17 UDP\n")
	write(t, root, "lib/modules/6.1.0-56-cloud-amd64/kernel/fs/squashfs/squashfs.ko", "module")
	write(t, root, "lib/modules/6.1.0-56-cloud-amd64/modules.dep", "kernel/fs/squashfs/squashfs.ko:\n")
	write(t, root, "etc/os-release", "ID=cairn\n")
	write(t, root, "usr/share/cairn/images/pause.tar", "tarball")
	write(t, root, strings.TrimPrefix(SPDXPath, "/"), "an older SBOM, skipped")
	img := Image{
		Name: "cairn", Version: "v1.2.3", Commit: "abc123", Created: time.Unix(1700000000, 0), Distro: "debian-12", Arch: "amd64",
		Kernel:   Kernel{Package: "linux-image-6.1.0-56-cloud-amd64", Version: "6.1.192-2", SHA256: strings.Repeat("a", 64), Release: "6.1.0-56-cloud-amd64"},
		Packages: []Package{{"libc6", "2.36-9+deb12u14", strings.Repeat("b", 64)}, {"netbase", "6.4", strings.Repeat("c", 64)}, {"libc6", "2.36-9+deb12u14", strings.Repeat("b", 64)}},
		Origins: map[string]Origin{
			"/sbin/cairn": {Kind: OriginCairn, Version: "v1.2.3"}, "/sbin/init": {Kind: OriginCairn, Version: "v1.2.3"},
			"/usr/bin/tool":                                 {Kind: OriginExternal, Source: "tool", Version: "v0.1.0"},
			"/usr/lib/x86_64-linux-gnu/libc.so.6":           {Kind: OriginDebian, Source: "libc6"},
			"/etc/protocols":                                {Kind: OriginDebian, Source: "netbase"},
			"/lib/modules/6.1.0-56-cloud-amd64/":            {Kind: OriginKernel},
			"/lib/modules/6.1.0-56-cloud-amd64/modules.dep": {Kind: OriginGenerated},
			"/etc/os-release":                               {Kind: OriginGenerated},
			"/usr/share/cairn/images/pause.tar":             {Kind: OriginOCIImage, Source: "registry.k8s.io/pause:3.10.1", Binary: pause},
		},
	}
	return root, img
}

func TestDocuments(t *testing.T) {
	root, img := fixture(t)
	bill, err := Scan(root, img, SPDXPath, CycloneDXPath)
	if err != nil {
		t.Fatalf("Scan = %v", err)
	}
	if len(bill.Files) != 9 {
		t.Errorf("Scan found %d files, want 9 (every file but the SBOM)", len(bill.Files))
	}
	spdxDoc, err := bill.SPDX()
	if err != nil {
		t.Fatal(err)
	}
	cdxDoc, err := bill.CycloneDX()
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.SPDX(spdxDoc); err != nil {
		t.Errorf("SPDX document is not valid SPDX 2.3: %v", err)
	}
	if err := schema.CycloneDX(cdxDoc); err != nil {
		t.Errorf("CycloneDX document is not valid CycloneDX 1.6: %v", err)
	}
	for _, doc := range [][]byte{spdxDoc, cdxDoc} {
		for _, want := range []string{
			"pkg:golang/golang.org/x/sys@v0.49.0",
			"pkg:golang/stdlib@",
			"pkg:golang/github.com/cairn-os/cairn@v1.2.3",
			"pkg:golang/example.com/external/pause",
			"pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?distro=debian-12",
			"pkg:deb/debian/linux-image-6.1.0-56-cloud-amd64@6.1.192-2?arch=amd64&distro=debian-12&upstream=linux",
			"cpe:2.3:o:linux:linux_kernel:6.1.192:*:*:*:*:*:*:*",
			"cairn:go:setting:GOFIPS140",
			"/usr/share/cairn/images/pause.tar",
			"/lib/modules/6.1.0-56-cloud-amd64/kernel/fs/squashfs/squashfs.ko",
		} {
			if !strings.Contains(string(doc), want) {
				t.Errorf("document lacks %q", want)
			}
		}
		if strings.Contains(string(doc), "older SBOM") || strings.Contains(string(doc), "sbom.spdx.json") {
			t.Error("document describes the SBOM file it was told to skip")
		}
	}
	checkSPDX(t, spdxDoc, len(bill.Files))
	checkCycloneDX(t, cdxDoc, len(bill.Files))
	again, _ := Scan(root, img, SPDXPath, CycloneDXPath)
	if d, _ := again.SPDX(); string(d) != string(spdxDoc) {
		t.Error("SPDX document differs between two scans of the same root: not reproducible")
	}
	if d, _ := again.CycloneDX(); string(d) != string(cdxDoc) {
		t.Error("CycloneDX document differs between two scans of the same root: not reproducible")
	}
}

func checkSPDX(t *testing.T, doc []byte, files int) {
	t.Helper()
	var d struct {
		Packages []struct {
			Name, PrimaryPackagePurpose string
		}
		Files         []struct{ FileName string }
		Relationships []struct {
			SpdxElementID                        string `json:"spdxElementId"`
			RelationshipType, RelatedSpdxElement string
		}
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	var os []string
	for _, p := range d.Packages {
		if p.PrimaryPackagePurpose == "OPERATING_SYSTEM" {
			os = append(os, p.Name)
		}
	}
	if !slices.Equal(os, []string{"cairn"}) {
		t.Errorf("SPDX operating-system packages = %v, want [cairn]", os)
	}
	if len(d.Files) != files {
		t.Errorf("SPDX lists %d files, want %d", len(d.Files), files)
	}
	if len(d.Relationships) == 0 || d.Relationships[0].RelationshipType != "DESCRIBES" {
		t.Errorf("SPDX first relationship = %+v, want DOCUMENT DESCRIBES the OS", d.Relationships[:1])
	}
}

// cdxComp is the part of a CycloneDX component checkCycloneDX reads.
type cdxComp struct {
	Ref        string `json:"bom-ref"`
	Type, Name string
	Components []cdxComp
}

// checkCycloneDX checks the document's shape: the image is the root, an application; the
// operating system is one component among the others; the dependencies say the image holds
// the operating system, the programs and the OCI image, the operating system the kernel and
// the Debian packages, each program the modules it links; every component is in that graph.
func checkCycloneDX(t *testing.T, doc []byte, files int) {
	t.Helper()
	var d struct {
		SpecVersion  string
		Metadata     struct{ Component cdxComp }
		Components   []cdxComp
		Dependencies []struct {
			Ref       string
			DependsOn []string
		}
	}
	if err := json.Unmarshal(doc, &d); err != nil || len(d.Components) == 0 {
		t.Fatalf("CycloneDX document: %v, %d components", err, len(d.Components))
	}
	root := d.Metadata.Component
	if d.SpecVersion != "1.6" || root.Type != "application" || root.Ref != "cairn-image" || root.Name != "cairn-image" || len(root.Components) != 0 {
		t.Errorf("CycloneDX spec %q, metadata component %+v, want 1.6 and the image cairn-image, an application", d.SpecVersion, root)
	}
	counts := map[string]int{}
	refs := map[string]bool{}
	var walk func([]cdxComp)
	walk = func(list []cdxComp) {
		for _, c := range list {
			counts[c.Type]++
			if c.Type != "file" {
				refs[c.Ref] = true
			}
			walk(c.Components)
		}
	}
	walk(d.Components)
	if counts["operating-system"] != 1 || d.Components[0].Type != "operating-system" || d.Components[0].Ref != "cairn-os" || d.Components[0].Name != "cairn" {
		t.Errorf("CycloneDX lists %d operating-system components, the first component %+v; want one, first, cairn-os named cairn", counts["operating-system"], d.Components[0])
	}
	if counts["file"] != files {
		t.Errorf("CycloneDX lists %d file components, want %d", counts["file"], files)
	}
	graph := map[string][]string{}
	for _, dep := range d.Dependencies {
		graph[dep.Ref] = dep.DependsOn
	}
	checkCDXGraph(t, graph, refs)
}

// checkCDXGraph checks the dependencies (by ref) of the fixture's CycloneDX document, and that
// every component (refs) is reached from the image.
func checkCDXGraph(t *testing.T, graph map[string][]string, refs map[string]bool) {
	t.Helper()
	got := map[string][]string{}
	for ref, deps := range graph {
		for _, r := range deps {
			if strings.HasPrefix(r, "pkg:golang/stdlib@") {
				r = "stdlib" // the toolchain's version
			}
			got[ref] = append(got[ref], r)
		}
	}
	want := map[string][]string{
		"cairn-image":           {"cairn-os", "program:/sbin/cairn", "program:/usr/bin/tool", "image:/usr/share/cairn/images/pause.tar"},
		"cairn-os":              {"kernel", "deb:libc6@2.36-9+deb12u14", "deb:netbase@6.4"},
		"program:/sbin/cairn":   {"stdlib"},
		"program:/usr/bin/tool": {"stdlib", "pkg:golang/golang.org/x/sys@v0.49.0"},
		"image:/usr/share/cairn/images/pause.tar":         {"program:/usr/share/cairn/images/pause.tar!pause"},
		"program:/usr/share/cairn/images/pause.tar!pause": {"stdlib"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CycloneDX dependencies (-want +got):\n%s", diff)
	}
	reached := map[string]bool{}
	var reach func(string)
	reach = func(ref string) {
		if !reached[ref] {
			reached[ref] = true
			for _, r := range graph[ref] {
				reach(r)
			}
		}
	}
	reach("cairn-image")
	for ref := range refs {
		if !reached[ref] {
			t.Errorf("CycloneDX component %s is not in the image's dependency graph", ref)
		}
	}
}

func TestScanUnattributed(t *testing.T) {
	root, img := fixture(t)
	write(t, root, "usr/bin/stray", "from nowhere")
	_, err := Scan(root, img, SPDXPath, CycloneDXPath)
	if err == nil || !strings.Contains(err.Error(), "/usr/bin/stray") {
		t.Errorf("Scan(root with a stray file) = %v, want an error naming /usr/bin/stray", err)
	}
}

func TestPURL(t *testing.T) {
	tests := []struct{ got, want string }{
		{goPURL("github.com/CycloneDX/cyclonedx-go", "v0.12.0"), "pkg:golang/github.com/CycloneDX/cyclonedx-go@v0.12.0"},
		{goPURL("example.com/m", "v2.0.0+incompatible"), "pkg:golang/example.com/m@v2.0.0%2Bincompatible"},
		{debPURL("libgmp10", "2:6.2.1+dfsg1-1.1", "debian-12", "", ""), "pkg:deb/debian/libgmp10@2%3A6.2.1%2Bdfsg1-1.1?distro=debian-12"},
		{kernelCPE("6.1.192-2"), "cpe:2.3:o:linux:linux_kernel:6.1.192:*:*:*:*:*:*:*"},
		{upstreamVersion("2:6.2.1+dfsg1-1.1"), "6.2.1+dfsg1"},
		{upstreamVersion("6.4"), "6.4"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
