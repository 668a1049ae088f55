package main

import (
	"fmt"
	"strings"

	"github.com/cairn-os/cairn/internal/app/imager"
)

// cairnModule is the main module of Cairn's own binaries.
const cairnModule = "github.com/cairn-os/cairn"

// origins maps a file of the root to where the image's manifest.json says it comes from.
type origins struct {
	byPath  map[string]string
	modules string // /lib/modules/<release>/
	kernel  string
	tag     string
}

func newOrigins(r *imager.Result) *origins {
	o := &origins{byPath: map[string]string{}, modules: "/lib/modules/" + r.Kernel.Release + "/",
		kernel: fmt.Sprintf("kernel modules: Debian %s %s", r.Kernel.Package, r.Kernel.Version), tag: r.Tag}
	for _, x := range r.External {
		for _, b := range x.Binaries {
			if b.Path != "" {
				o.byPath[b.Path] = fmt.Sprintf("external %s: %s %s", x.Name, x.Module, x.Version)
			}
		}
	}
	for _, d := range r.Debian {
		versions := map[string]string{}
		for _, p := range d.Packages {
			versions[p.Package] = p.Version
		}
		for _, f := range d.Files {
			o.byPath[f.Path] = fmt.Sprintf("debian (for %s): %s %s", d.Name, f.Package, versions[f.Package])
		}
	}
	return o
}

// of names the origin of a file; an ELF file the manifest does not account for says so.
func (o *origins) of(f file) string {
	switch origin, ok := o.byPath[f.path]; {
	case ok:
		return origin
	case strings.HasPrefix(f.path, o.modules) && strings.HasSuffix(f.path, ".ko"):
		return o.kernel
	case f.elf != nil && f.elf.goMain == cairnModule:
		return "cairn " + o.tag + ": " + cairnModule
	case f.elf != nil && f.elf.goMain != "":
		return "NOT IN THE MANIFEST: Go module " + f.elf.goMain
	}
	return "NOT IN THE MANIFEST"
}
