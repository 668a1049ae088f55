// Package imager builds the Cairn boot assets from the pinned inputs of manifest.yaml: the
// kernel, an initramfs holding /init, the modules needed to reach the root and rootfs.sqsh.
package imager

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"path"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed manifest.yaml
var defaultManifest []byte

// Manifest is the pinned set of inputs of an image.
type Manifest struct {
	Kernel   Kernel     `yaml:"kernel"`
	Modules  Modules    `yaml:"modules"`
	Binaries []Binary   `yaml:"binaries"`
	External []External `yaml:"external"`
}

// Kernel pins the Debian kernel package.
type Kernel struct {
	Package string `yaml:"package" json:"package"`
	Version string `yaml:"version" json:"version"`
	SHA256  string `yaml:"sha256" json:"sha256"`
	Release string `yaml:"release" json:"release"`
}

// Modules names the kernel modules the image carries; dependencies are added at build time.
type Modules struct {
	Initramfs []string `yaml:"initramfs"`
	Boot      []string `yaml:"boot"`
	Carry     []string `yaml:"carry"`
}

// Binary is a Go program of this repository built into the root.
type Binary struct {
	Name    string   `yaml:"name"`
	Package string   `yaml:"package"`
	Path    string   `yaml:"path"`
	Links   []string `yaml:"links"`
}

// External is a third-party Go component built from its module (later issue).
type External struct {
	Name    string `yaml:"name"`
	Module  string `yaml:"module"`
	Version string `yaml:"version"`
	Package string `yaml:"package"`
	Path    string `yaml:"path"`
}

// DefaultManifest returns the manifest embedded from manifest.yaml.
func DefaultManifest() (*Manifest, error) { return ParseManifest(defaultManifest) }

// LoadManifest reads and validates a manifest file.
func LoadManifest(file string) (*Manifest, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	return ParseManifest(data)
}

// ParseManifest decodes a manifest strictly and validates it.
func ParseManifest(data []byte) (*Manifest, error) {
	var m Manifest
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode manifest: %w", err)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

var (
	reSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)
	reName   = regexp.MustCompile(`^[a-z0-9][a-z0-9._+-]*$`)
)

// Validate checks every field and reports all problems, each naming its path and value.
func (m *Manifest) Validate() error {
	var errs []string
	bad := func(p, v, msg string) { errs = append(errs, fmt.Sprintf("%s: %q %s", p, v, msg)) }
	if !reName.MatchString(m.Kernel.Package) {
		bad("kernel.package", m.Kernel.Package, "is not a Debian package name")
	}
	if m.Kernel.Version == "" || strings.ContainsAny(m.Kernel.Version, " /") {
		bad("kernel.version", m.Kernel.Version, "is not a Debian version")
	}
	if !reSHA256.MatchString(m.Kernel.SHA256) {
		bad("kernel.sha256", m.Kernel.SHA256, "is not 64 lowercase hex digits")
	}
	if !reName.MatchString(m.Kernel.Release) {
		bad("kernel.release", m.Kernel.Release, "is not a kernel release")
	}
	for _, l := range []struct {
		field string
		names []string
	}{{"initramfs", m.Modules.Initramfs}, {"boot", m.Modules.Boot}, {"carry", m.Modules.Carry}} {
		for i, n := range l.names {
			if !reName.MatchString(n) {
				bad(fmt.Sprintf("modules.%s[%d]", l.field, i), n, "is not a module name")
			}
		}
	}
	if len(m.Binaries) == 0 {
		errs = append(errs, "binaries: the image needs at least the multi-call binary")
	}
	for i, b := range m.Binaries {
		if !reName.MatchString(b.Name) {
			bad(fmt.Sprintf("binaries[%d].name", i), b.Name, "is not a name")
		}
		if !strings.HasPrefix(b.Package, "./") {
			bad(fmt.Sprintf("binaries[%d].package", i), b.Package, "is not a ./relative package path")
		}
		for j, p := range append([]string{b.Path}, b.Links...) {
			if !path.IsAbs(p) || path.Clean(p) != p {
				bad(fmt.Sprintf("binaries[%d].path/links[%d]", i, j), p, "is not a clean absolute path")
			}
		}
	}
	if len(m.External) > 0 {
		errs = append(errs, "external: third-party components are not supported yet")
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid manifest:\n  %s", strings.Join(errs, "\n  "))
	}
	return nil
}
