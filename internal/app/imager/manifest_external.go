package imager

import (
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

var (
	reModule  = regexp.MustCompile(`^[a-z0-9-]+(\.[a-z0-9-]+)+(/[A-Za-z0-9._~+-]+)*$`)
	reSemver  = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)
	reTag     = regexp.MustCompile(`^[A-Za-z0-9_.]+$`)
	reSymbol  = regexp.MustCompile(`^[A-Za-z0-9_.~/-]+\.[A-Za-z_][A-Za-z0-9_]*$`)
	reLDFlag  = regexp.MustCompile(`^[^\s'"\\]+$`)
	reUser    = regexp.MustCompile(`^[0-9]{1,10}:[0-9]{1,10}$`)
	rePackage = regexp.MustCompile(`^(\.|\./[A-Za-z0-9._/-]+|[a-z0-9-]+(\.[a-z0-9-]+)+(/[A-Za-z0-9._~+-]+)*)$`)
)

// problems collects validation errors, each naming its field and value.
type problems []string

func (p *problems) add(field, value, msg string) {
	*p = append(*p, fmt.Sprintf("%s: %q %s", field, value, msg))
}

// validateExternal checks the external components, the Debian programs and the images, and that no two binaries share
// a name and no two files share a path in the root.
func (m *Manifest) validateExternal() []string {
	var p problems
	names, paths, components := map[string]string{}, map[string]string{}, map[string]string{}
	claim := func(seen map[string]string, field, v string) {
		if prev, ok := seen[v]; ok {
			p.add(field, v, "is already used by "+prev)
			return
		}
		seen[v] = field
	}
	for i, b := range m.Binaries {
		claim(names, fmt.Sprintf("binaries[%d].name", i), b.Name)
		for _, l := range append([]string{b.Path}, b.Links...) {
			claim(paths, fmt.Sprintf("binaries[%d]", i), l)
		}
	}
	for i, e := range m.External {
		f := fmt.Sprintf("external[%d]", i)
		p.external(f, e)
		// The cache holds one build per component name.
		claim(components, f+".name", e.Name)
		for j, b := range e.Binaries {
			bf := fmt.Sprintf("%s.binaries[%d]", f, j)
			claim(names, bf+".name", b.Name)
			for _, l := range append([]string{b.Path}, b.Links...) {
				if l != "" {
					claim(paths, bf, l)
				}
			}
		}
	}
	for i, d := range m.Debian {
		f := fmt.Sprintf("debian[%d]", i)
		p.debian(f, d)
		for j, file := range d.Files {
			claim(paths, fmt.Sprintf("%s.files[%d]", f, j), file)
		}
	}
	for i, img := range m.Images {
		f := fmt.Sprintf("images[%d]", i)
		p.image(f, img, names)
		claim(paths, f, img.Path)
	}
	return p
}

func (p *problems) external(f string, e External) {
	if !reName.MatchString(e.Name) {
		p.add(f+".name", e.Name, "is not a name")
	}
	if !reModule.MatchString(e.Module) {
		p.add(f+".module", e.Module, "is not a Go module path")
	}
	if !reSemver.MatchString(e.Version) {
		p.add(f+".version", e.Version, "is not a semantic version (vX.Y.Z)")
	}
	if path.Clean(e.Dir) != e.Dir || !strings.HasPrefix(e.Dir, "external/") || strings.Contains(e.Dir, "..") {
		p.add(f+".dir", e.Dir, "is not a clean path under external/")
	}
	if len(e.Sysroot) > 0 && !e.CGO {
		p.add(f+".sysroot", e.Sysroot[0].Package, "is only used with cgo: true")
	}
	for i, d := range e.Sysroot {
		p.deb(fmt.Sprintf("%s.sysroot[%d]", f, i), d)
	}
	p.flags(f, e)
	if len(e.Binaries) == 0 {
		p.add(f+".binaries", "", "is empty: a component builds at least one binary")
	}
	for i, b := range e.Binaries {
		p.binary(fmt.Sprintf("%s.binaries[%d]", f, i), b)
	}
}

func (p *problems) flags(f string, e External) {
	for i, t := range e.Tags {
		if !reTag.MatchString(t) {
			p.add(fmt.Sprintf("%s.tags[%d]", f, i), t, "is not a build tag")
		}
	}
	for _, k := range slices.Sorted(maps.Keys(e.Stamp)) {
		v := e.Stamp[k]
		if !reSymbol.MatchString(k) {
			p.add(f+".stamp", k, "is not a package.variable name")
		}
		if !reLDFlag.MatchString(v) {
			p.add(f+".stamp."+k, v, "is empty or holds spaces, quotes or backslashes")
		}
	}
	for i, l := range e.LDFlags {
		if !reLDFlag.MatchString(l) {
			p.add(fmt.Sprintf("%s.ldflags[%d]", f, i), l, "is empty or holds spaces, quotes or backslashes")
		}
	}
}

func (p *problems) binary(f string, b Binary) {
	if !reName.MatchString(b.Name) {
		p.add(f+".name", b.Name, "is not a name")
	}
	if !rePackage.MatchString(b.Package) || strings.Contains(b.Package, "..") {
		p.add(f+".package", b.Package, "is not a package path (., ./dir or a full import path)")
	}
	if b.Path == "" && len(b.Links) > 0 {
		p.add(f+".path", b.Path, "is empty but the binary has links")
	}
	for j, l := range append([]string{b.Path}, b.Links...) {
		if (j > 0 || l != "") && (!path.IsAbs(l) || path.Clean(l) != l) {
			p.add(fmt.Sprintf("%s.path/links[%d]", f, j), l, "is not a clean absolute path")
		}
	}
}

func (p *problems) deb(f string, d Deb) {
	if !reName.MatchString(d.Package) {
		p.add(f+".package", d.Package, "is not a Debian package name")
	}
	if d.Version == "" || strings.ContainsAny(d.Version, " /") {
		p.add(f+".version", d.Version, "is not a Debian version")
	}
	if !reSHA256.MatchString(d.SHA256) {
		p.add(f+".sha256", d.SHA256, "is not 64 lowercase hex digits")
	}
}

func (p *problems) image(f string, img Image, binaries map[string]string) {
	if _, err := name.NewTag(img.Ref, name.StrictValidation); err != nil {
		p.add(f+".ref", img.Ref, "is not a full image reference with a tag")
	}
	if by, ok := binaries[img.Binary]; !ok || !strings.HasPrefix(by, "external[") {
		p.add(f+".binary", img.Binary, "names no external binary")
	}
	if !path.IsAbs(img.Path) || path.Clean(img.Path) != img.Path || !strings.HasSuffix(img.Path, ".tar") {
		p.add(f+".path", img.Path, "is not a clean absolute path ending in .tar")
	}
	if img.User != "" && !reUser.MatchString(img.User) {
		p.add(f+".user", img.User, "is not a numeric uid:gid")
	}
	for i, c := range img.Capabilities {
		if _, ok := fileCapabilities[c]; !ok {
			p.add(fmt.Sprintf("%s.capabilities[%d]", f, i), c, fmt.Sprintf("is not one of %s", slices.Sorted(maps.Keys(fileCapabilities))))
		}
	}
}
