package imager

import (
	"fmt"
	"path"
	"strings"
)

// Debian is a program that is not a Go build (e.g. nft), taken from pinned Debian packages:
// the listed files, placed at the same paths in the root. For every ELF file among them the
// builder adds its program interpreter and the closure of its DT_NEEDED libraries, found in
// the same packages; a library none of them ships fails the build.
type Debian struct {
	Name     string   `yaml:"name" json:"name"`
	Packages []Deb    `yaml:"packages" json:"packages"`
	Files    []string `yaml:"files" json:"files"`
}

// debian checks one Debian program entry.
func (p *problems) debian(f string, d Debian) {
	if !reName.MatchString(d.Name) {
		p.add(f+".name", d.Name, "is not a name")
	}
	if len(d.Packages) == 0 {
		p.add(f+".packages", "", "is empty: a Debian program comes from at least one package")
	}
	seen := map[string]bool{}
	for i, deb := range d.Packages {
		pf := fmt.Sprintf("%s.packages[%d]", f, i)
		p.deb(pf, deb)
		if seen[deb.Package] {
			p.add(pf+".package", deb.Package, "is listed twice")
		}
		seen[deb.Package] = true
	}
	if len(d.Files) == 0 {
		p.add(f+".files", "", "is empty: name the files the image needs")
	}
	for i, file := range d.Files {
		if !path.IsAbs(file) || path.Clean(file) != file || file == "/" || strings.ContainsAny(file, "\x00\n") {
			p.add(fmt.Sprintf("%s.files[%d]", f, i), file, "is not a clean absolute file path")
		}
	}
}
