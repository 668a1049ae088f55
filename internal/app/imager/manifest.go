// Package imager builds the Cairn boot assets from the pinned inputs of manifest.yaml: the
// kernel, an initramfs holding /init, the modules needed to reach the root and rootfs.sqsh,
// whose root holds Cairn's binaries, the pinned third-party components and the OCI images pods
// need.
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
	Boot     Boot       `yaml:"boot"`
	Binaries []Binary   `yaml:"binaries"`
	External []External `yaml:"external"`
	Debian   []Debian   `yaml:"debian"`
	Images   []Image    `yaml:"images"`
	// ToolImages are built beside the node image on request, never into its root.
	ToolImages []ToolImage `yaml:"toolImages"`
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
	// Kubernetes are loaded by machined when Kubernetes starts (kube-proxy's nftables rules,
	// pod networking); the node has no modprobe, so the kernel cannot load them on demand.
	Kubernetes []string `yaml:"kubernetes"`
}

// Binary is a Go program built into the root: one of this repository (package ./cmd/...) or
// one of an external component (a package path of its build module). An external binary
// without a path is built but not placed in the root (an image carries it).
type Binary struct {
	Name    string   `yaml:"name" json:"name"`
	Package string   `yaml:"package" json:"package"`
	Path    string   `yaml:"path" json:"path,omitempty"`
	Links   []string `yaml:"links" json:"links,omitempty"`
}

// External is a pinned third-party component built from a build module of this repository
// (Dir, with its own go.mod and go.sum, so Cairn's go.mod never pulls it in). Its go.mod must
// require Module at Version.
type External struct {
	Name    string `yaml:"name" json:"name"`
	Module  string `yaml:"module" json:"module"`
	Version string `yaml:"version" json:"version"`
	Dir     string `yaml:"dir" json:"dir"`
	// CGO builds with the host's C compiler against Sysroot (static); otherwise CGO_ENABLED=0.
	CGO     bool              `yaml:"cgo" json:"cgo"`
	Sysroot []Deb             `yaml:"sysroot" json:"sysroot,omitempty"`
	Tags    []string          `yaml:"tags" json:"tags,omitempty"`
	Stamp   map[string]string `yaml:"stamp" json:"stamp,omitempty"` // -X name=value
	LDFlags []string          `yaml:"ldflags" json:"ldflags,omitempty"`
	// Binaries are the programs built from the module, each placed at its path.
	Binaries []Binary `yaml:"binaries" json:"binaries"`
}

// Deb pins a Debian package by version and sha256.
type Deb struct {
	Package string `yaml:"package" json:"package"`
	Version string `yaml:"version" json:"version"`
	SHA256  string `yaml:"sha256" json:"sha256"`
}

// Image is an OCI image built from one external binary and placed in the root as an OCI
// layout tarball, for machined to import into containerd.
type Image struct {
	Ref    string `yaml:"ref" json:"ref"`
	Binary string `yaml:"binary" json:"binary"` // name of an external binary
	Path   string `yaml:"path" json:"path"`
	// User is the image's default "uid:gid" (root when empty).
	User string `yaml:"user" json:"user,omitempty"`
	// Capabilities are file capabilities of the binary (security.capability, permitted and
	// effective), as upstream images set with setcap so a non-root user may e.g. bind port 53.
	Capabilities []string `yaml:"capabilities" json:"capabilities,omitempty"`
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
	}{{"initramfs", m.Modules.Initramfs}, {"boot", m.Modules.Boot}, {"carry", m.Modules.Carry}, {"kubernetes", m.Modules.Kubernetes}} {
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
	errs = append(errs, m.validateExternal()...)
	errs = append(errs, m.validateTools()...)
	errs = append(errs, m.Boot.validate()...)
	if len(errs) > 0 {
		return fmt.Errorf("invalid manifest:\n  %s", strings.Join(errs, "\n  "))
	}
	return nil
}
