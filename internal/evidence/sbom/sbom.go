// Package sbom describes a Cairn image root as a software bill of materials, in SPDX 2.3 JSON
// and CycloneDX 1.6 JSON. The image builder calls it on the staged root before packing it: it
// hashes every file, reads the build information of every Go program, and attributes every
// file to its origin (the kernel package, a pinned Debian package, Cairn's own build, an
// external component's build, or a file the builder wrote). Package URLs follow what scanners
// match: pkg:deb/debian/NAME@VERSION?distro=debian-12, pkg:golang/MODULE@VERSION and
// pkg:golang/stdlib@GOVERSION for the Go toolchain.
package sbom

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cairn-os/cairn/internal/evidence/elfinfo"
	"github.com/cairn-os/cairn/pkg/machinery/constants"
)

// Where the image carries its SBOM, in both formats. They are outside the SBOM they are part
// of (a file cannot hold its own digest); the image manifest records their digests.
const (
	SPDXPath      = constants.SBOMSPDXPath
	CycloneDXPath = constants.SBOMCycloneDXPath
)

// Media types of the two formats, as the evidence API and files name them.
const (
	SPDXMediaType      = "application/spdx+json"
	CycloneDXMediaType = "application/vnd.cyclonedx+json"
)

// Image is what the builder knows of the image beyond its files.
type Image struct {
	Name, Version, Commit string
	// Created is the image's SOURCE_DATE_EPOCH: the documents are reproducible.
	Created time.Time
	// Distro is the Debian release the packages come from, as purls qualify them ("debian-12").
	Distro string
	Arch   string
	Kernel Kernel
	// Packages are the pinned Debian packages that files came from.
	Packages []Package
	// Origins attributes each file of the root (by absolute path in the image) to its origin.
	// A path ending in "/" covers everything below it.
	Origins map[string]Origin
}

// Kernel is the Debian kernel package.
type Kernel struct {
	Package, Version, SHA256, Release string
}

// Package is one pinned Debian package.
type Package struct {
	Name, Version, SHA256 string
}

// Kinds of origin.
const (
	OriginKernel    = "kernel"    // the kernel package (modules)
	OriginDebian    = "debian"    // a pinned Debian package (Source names it)
	OriginCairn     = "cairn"     // Cairn's own build from this repository
	OriginExternal  = "external"  // an external component's build from its pinned Go module
	OriginGenerated = "generated" // written by the image builder
	OriginOCIImage  = "oci-image" // an OCI image the builder packed from an external binary
)

// Origin says where a file came from.
type Origin struct {
	Kind string `json:"kind"`
	// Source names the package, component or image; Version is its version.
	Source  string `json:"source,omitempty"`
	Version string `json:"version,omitempty"`
	// Binary is, for an OCI image, the host path of the Go program inside it, whose build
	// information the SBOM records (scanners cannot see into the tarball).
	Binary string `json:"-"`
}

// String is the origin as the SBOM's properties and the inventory write it ("debian:libc6").
func (o Origin) String() string {
	if o.Source == "" {
		return o.Kind
	}
	return o.Kind + ":" + o.Source
}

// File is one file or symbolic link of the root.
type File struct {
	Path   string
	Link   string // target of a symbolic link
	Size   int64
	SHA256 string
	// SHA1 is required of every file by SPDX 2.3; nothing relies on it for security.
	SHA1   string
	Mode   fs.FileMode
	Origin Origin
	ELF    *elfinfo.Info
}

// Bill is an image root described: its files and what the builder said of it.
type Bill struct {
	Image Image
	Files []File
	// Embedded are the Go programs inside OCI images, by image path.
	Embedded map[string]*elfinfo.Go
}

// Limits of a scan: an image root is built by us, but a mistake must not make the SBOM
// unbounded.
const (
	maxFiles    = 100_000
	maxFileSize = 4 << 30
)

// Scan walks root (the staged image root) and describes every file, except the paths in skip
// (the SBOM files themselves). Every file must have an origin: one that has none is an error
// naming it, so that nothing enters the image undescribed.
func Scan(root string, img Image, skip ...string) (*Bill, error) {
	b := &Bill{Image: img, Embedded: map[string]*elfinfo.Go{}}
	var unattributed []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		name := "/" + filepath.ToSlash(rel)
		if slices.Contains(skip, name) {
			return nil
		}
		if len(b.Files) >= maxFiles {
			return fmt.Errorf("more than %d files", maxFiles)
		}
		o, ok := img.origin(name)
		if !ok {
			unattributed = append(unattributed, name)
			return nil
		}
		f, err := describe(p, name, d)
		if err != nil {
			return err
		}
		f.Origin = o
		b.Files = append(b.Files, f)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", root, err)
	}
	if len(unattributed) > 0 {
		return nil, fmt.Errorf("files with no known origin: %s", strings.Join(unattributed, ", "))
	}
	return b, b.readEmbedded()
}

// origin finds a file's origin: its own entry, else the entry of the nearest directory
// ("/lib/modules/REL/") above it.
func (img Image) origin(name string) (Origin, bool) {
	if o, ok := img.Origins[name]; ok {
		return o, true
	}
	for dir := path.Dir(name); ; dir = path.Dir(dir) {
		if o, ok := img.Origins[strings.TrimSuffix(dir, "/")+"/"]; ok {
			return o, true
		}
		if dir == "/" {
			return Origin{}, false
		}
	}
}

// describe hashes one file and reads its ELF information.
func describe(p, name string, d fs.DirEntry) (File, error) {
	info, err := d.Info()
	if err != nil {
		return File{}, err
	}
	f := File{Path: name, Mode: info.Mode()}
	switch {
	case info.Mode()&fs.ModeSymlink != 0:
		f.Link, err = os.Readlink(p)
		return f, err
	case !info.Mode().IsRegular():
		return File{}, fmt.Errorf("%s: %v is neither a regular file nor a symbolic link", name, info.Mode().Type())
	case info.Size() > maxFileSize:
		return File{}, fmt.Errorf("%s: %d bytes, more than %d", name, info.Size(), int64(maxFileSize))
	}
	sums, err := hashFile(p)
	if err != nil {
		return File{}, err
	}
	f.Size, f.SHA256, f.SHA1 = sums.size, sums.sha256, sums.sha1
	if sums.elf {
		if f.ELF, err = readELF(p); err != nil {
			return File{}, fmt.Errorf("%s: %w", name, err)
		}
	}
	return f, nil
}

// readEmbedded reads the build information of the Go program inside each OCI image.
func (b *Bill) readEmbedded() error {
	for _, f := range b.Files {
		if f.Origin.Kind != OriginOCIImage || f.Origin.Binary == "" {
			continue
		}
		info, err := readELF(f.Origin.Binary)
		if err != nil {
			return fmt.Errorf("%s: program of the image: %w", f.Path, err)
		}
		if info.Go == nil {
			return fmt.Errorf("%s: program of the image %s has no Go build information", f.Path, f.Origin.Binary)
		}
		b.Embedded[f.Path] = info.Go
	}
	return nil
}

func readELF(p string) (*elfinfo.Info, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	info, err := elfinfo.Read(f)
	if errors.Is(err, elfinfo.ErrNotELF) {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return info, err
}
