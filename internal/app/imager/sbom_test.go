package imager

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-os/cairn/internal/evidence/sbom"
	"github.com/cairn-os/cairn/internal/evidence/sbom/schema"
)

// TestWriteSBOM stages a small root the way the builder does (a Cairn binary with links, an
// external component's binary, kernel modules, Debian files, the generated files and an OCI
// image of an external binary) and checks that writeSBOM attributes every file, writes both
// documents into the root, valid against their schemas, and returns their digests.
func TestWriteSBOM(t *testing.T) {
	src := t.TempDir()
	hello := helloModule(t, src)
	hello.Binaries = append(hello.Binaries, Binary{Name: "hello-image", Package: "."})
	m := &Manifest{
		Kernel:   Kernel{Package: "linux-image-6.1.0-56-cloud-amd64", Version: "6.1.192-2", SHA256: strings.Repeat("e", 64), Release: "6.1.0-56-cloud-amd64"},
		Modules:  Modules{Boot: []string{"virtio_net"}, Kubernetes: []string{"br_netfilter"}},
		Binaries: []Binary{{Name: "cairn", Package: "./cmd/cairn", Path: "/sbin/cairn", Links: []string{"/sbin/init", "/usr/bin/mount"}}},
		External: []External{hello},
		Images:   []Image{{Ref: "cairn.local/hello:v1", Binary: "hello-image", Path: "/usr/share/cairn/images/hello.tar"}},
	}
	b := &builder{m: m, src: src, cache: t.TempDir(), tag: "v9.9.9", commit: "c0ffee", epoch: 1700000000}
	x, _ := buildOnce(t, b)
	root := t.TempDir()
	fake := filepath.Join(t.TempDir(), "cairn")
	if err := os.WriteFile(fake, []byte("not a real cairn binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := placeBinary(root, fake, m.Binaries[0]); err != nil {
		t.Fatal(err)
	}
	if err := placeBinary(root, filepath.Join(x.dir, "hello"), hello.Binaries[0]); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"lib/modules/6.1.0-56-cloud-amd64/kernel/net/bridge/br_netfilter.ko": "module",
		"lib/modules/6.1.0-56-cloud-amd64/modules.dep":                       "kernel/net/bridge/br_netfilter.ko:\n",
		"usr/sbin/nft":                     "nft",
		"usr/share/cairn/images/hello.tar": "tarball",
	}
	for name, content := range b.generatedFiles() {
		files[name] = content
	}
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	debs := []DebianResult{{Name: "nft", Packages: []Deb{{Package: "nftables", Version: "1.0.6-2+deb12u2", SHA256: strings.Repeat("d", 64)}},
		Files: []*DebFile{{Path: "/usr/sbin/nft", Package: "nftables"}}}}

	got, err := b.writeSBOM(root, []*builtExternal{x}, debs)
	if err != nil {
		t.Fatalf("writeSBOM = %v", err)
	}
	for p, validate := range map[string]func([]byte) error{sbom.SPDXPath: schema.SPDX, sbom.CycloneDXPath: schema.CycloneDX} {
		data, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			t.Fatalf("the root lacks %s: %v", p, err)
		}
		if err := validate(data); err != nil {
			t.Errorf("%s is not schema-valid: %v", p, err)
		}
		sum, size, _ := fileSHA256(filepath.Join(root, p))
		if got[p] != (Artifact{SHA256: sum, Size: size}) {
			t.Errorf("writeSBOM recorded %s as %+v, the file is %d bytes with sha256 %s", p, got[p], size, sum)
		}
		for _, want := range []string{"pkg:golang/example.com/hello@v0.0.0", "pkg:deb/debian/nftables@1.0.6-2%2Bdeb12u2?distro=debian-12",
			"cpe:2.3:o:linux:linux_kernel:6.1.192", "/usr/bin/mount", "/etc/os-release", "cairn.local/hello:v1", "external:hello"} {
			if !strings.Contains(string(data), want) {
				t.Errorf("%s lacks %q", p, want)
			}
		}
	}
}
