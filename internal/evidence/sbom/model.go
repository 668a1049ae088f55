package sbom

import (
	"fmt"
	"path"
	"slices"
	"sort"

	"github.com/cairn-os/cairn/internal/evidence/elfinfo"
)

// Kinds of component, the same in both formats.
const (
	kindOS      = "operating-system"
	kindKernel  = "kernel"
	kindDebian  = "debian-package"
	kindProgram = "go-program"
	kindModule  = "go-module"
	kindImage   = "oci-image"
)

// component is one entry of either document: the operating system, the kernel, a Debian
// package, a Go program (with the modules it links as deps), a Go module or an OCI image.
type component struct {
	ref, kind     string
	name, version string
	purl, cpe     string
	// sha256 is the package file's (a .deb) or the program's.
	sha256 string
	desc   string
	// files are the paths of the root this component is found in.
	files []string
	deps  []string // refs of the components it contains or links
	props []property
	// nested are components found inside this one's file (an image's program).
	nested []*component
}

type property struct{ name, value string }

// osRef is the reference of the one operating-system component.
const osRef = "cairn-os"

// components derives every component of the bill, the operating system first.
func (b *Bill) components() []*component {
	img := b.Image
	os := &component{ref: osRef, kind: kindOS, name: img.Name, version: img.Version,
		desc: "Cairn, an immutable API-managed OS for Kubernetes nodes, commit " + img.Commit}
	out := []*component{os}
	modules := map[string]*component{}
	add := func(c *component) {
		out = append(out, c)
		os.deps = append(os.deps, c.ref)
	}
	add(b.kernel())
	for _, p := range b.debian() {
		add(p)
	}
	for _, f := range b.Files {
		switch {
		case f.ELF != nil && f.ELF.Go != nil:
			add(b.program("program:"+f.Path, f.Path, f.SHA256, f.Origin, f.ELF.Go, modules))
		case f.Origin.Kind == OriginOCIImage:
			img := b.image(f, modules)
			add(img)
			out = append(out, img.nested...)
		}
	}
	refs := make([]string, 0, len(modules))
	for r := range modules {
		refs = append(refs, r)
	}
	sort.Strings(refs)
	for _, r := range refs {
		out = append(out, modules[r])
	}
	return out
}

func (b *Bill) kernel() *component {
	k := b.Image.Kernel
	c := &component{ref: "kernel", kind: kindKernel, name: k.Package, version: k.Version, sha256: k.SHA256,
		purl: debPURL(k.Package, k.Version, b.Image.Distro, b.Image.Arch, "linux"), cpe: kernelCPE(k.Version),
		desc:  "the Linux kernel " + k.Release + " from Debian (vmlinuz boots it; its modules are in the root)",
		props: []property{{"cairn:kernel:release", k.Release}}}
	c.files = b.filesOf(func(o Origin) bool { return o.Kind == OriginKernel })
	return c
}

// debian lists each pinned Debian package once, with the files taken from it.
func (b *Bill) debian() []*component {
	var out []*component
	seen := map[string]bool{}
	for _, p := range b.Image.Packages {
		if seen[p.Name+"@"+p.Version] {
			continue
		}
		seen[p.Name+"@"+p.Version] = true
		c := &component{ref: "deb:" + p.Name + "@" + p.Version, kind: kindDebian, name: p.Name, version: p.Version, sha256: p.SHA256,
			purl: debPURL(p.Name, p.Version, b.Image.Distro, "", "")}
		c.files = b.filesOf(func(o Origin) bool { return o.Kind == OriginDebian && o.Source == p.Name })
		out = append(out, c)
	}
	return out
}

func (b *Bill) filesOf(match func(Origin) bool) []string {
	var out []string
	for _, f := range b.Files {
		if match(f.Origin) {
			out = append(out, f.Path)
		}
	}
	return out
}

// program describes a Go program: its main module (versioned by its origin when the build
// recorded none, as -trimpath builds of a work tree do) and the modules it links.
func (b *Bill) program(ref, file, sum string, o Origin, g *elfinfo.Go, modules map[string]*component) *component {
	version := g.Main.Version
	if (version == "" || version == "(devel)") && o.Version != "" {
		version = o.Version
	}
	c := &component{ref: ref, kind: kindProgram, name: path.Base(file), version: version, sha256: sum,
		purl: goPURL(g.Main.Path, version), files: []string{file},
		desc: fmt.Sprintf("Go program %s (main module %s), from %s", g.Package, g.Main.Path, o)}
	c.props = append(c.props, property{"cairn:origin", o.String()}, property{"cairn:go:toolchain", g.Toolchain},
		property{"cairn:go:package", g.Package}, property{"cairn:go:main", g.Main.Path})
	for _, s := range g.Settings {
		c.props = append(c.props, property{"cairn:go:setting:" + s.Key, s.Value})
	}
	std := module(modules, "stdlib", g.StdlibVersion(), "the Go standard library (toolchain "+g.Toolchain+")")
	c.deps = append(c.deps, std.ref)
	for _, d := range g.Deps {
		e := d.Effective()
		m := module(modules, e.Path, e.Version, "Go module")
		if d.Replace != nil {
			m.props = appendOnce(m.props, property{"cairn:go:replaces", d.Path + "@" + d.Version})
		}
		if !slices.Contains(c.deps, m.ref) {
			c.deps = append(c.deps, m.ref)
		}
	}
	return c
}

// module returns the one component of a module version, creating it on first use.
func module(modules map[string]*component, modPath, version, desc string) *component {
	ref := goPURL(modPath, version)
	if m, ok := modules[ref]; ok {
		return m
	}
	m := &component{ref: ref, kind: kindModule, name: modPath, version: version, purl: ref, desc: desc}
	modules[ref] = m
	return m
}

func appendOnce(props []property, p property) []property {
	if slices.Contains(props, p) {
		return props
	}
	return append(props, p)
}

// image describes an OCI image tarball and the Go program in it.
func (b *Bill) image(f File, modules map[string]*component) *component {
	c := &component{ref: "image:" + f.Path, kind: kindImage, name: f.Origin.Source, version: f.Origin.Version, sha256: f.SHA256,
		files: []string{f.Path}, desc: "OCI image tarball packed by the image builder", props: []property{{"cairn:origin", f.Origin.String()}}}
	if g := b.Embedded[f.Path]; g != nil {
		prog := b.program("program:"+f.Path+"!"+path.Base(f.Origin.Binary), "/"+path.Base(f.Origin.Binary), "", Origin{Kind: OriginExternal, Source: f.Origin.Source}, g, modules)
		prog.files = nil
		c.deps = append(c.deps, prog.ref)
		c.nested = append(c.nested, prog)
	}
	return c
}
