package imager

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cairn-os/cairn/internal/evidence/sbom"
)

// debianRelease is the Debian release every pinned package comes from, as package URLs
// qualify it (bookworm).
const debianRelease = "debian-12"

// SBOMResult records the SBOM files the root carries, by path in the root.
type SBOMResult map[string]Artifact

// writeSBOM describes the staged root in SPDX 2.3 and CycloneDX 1.6 JSON and writes both
// into it (sbom.SPDXPath, sbom.CycloneDXPath), so that every format of the image carries them
// in rootfs.sqsh; manifest.json records their digests.
func (b *builder) writeSBOM(root string, ext []*builtExternal, debs []DebianResult) (SBOMResult, error) {
	bill, err := sbom.Scan(root, b.sbomImage(ext, debs), sbom.SPDXPath, sbom.CycloneDXPath)
	if err != nil {
		return nil, err
	}
	out := SBOMResult{}
	for p, encode := range map[string]func() ([]byte, error){sbom.SPDXPath: bill.SPDX, sbom.CycloneDXPath: bill.CycloneDX} {
		data, err := encode()
		if err != nil {
			return nil, err
		}
		file := filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(p, "/")))
		if err := mkdir(filepath.Dir(file)); err != nil {
			return nil, err
		}
		if err := os.WriteFile(file, data, 0o644); err != nil { //nolint:gosec // the image, its root and /etc are world-readable by design.
			return nil, err
		}
		sum, size, err := fileSHA256(file)
		if err != nil {
			return nil, err
		}
		out[p] = Artifact{SHA256: sum, Size: size}
	}
	b.progress("SBOM: %d files described (%s, %s)", len(bill.Files), sbom.SPDXPath, sbom.CycloneDXPath)
	return out, nil
}

// sbomImage is what the builder knows of the root: the pinned packages and the origin of
// every file it placed, from the same manifest entries that placed them.
func (b *builder) sbomImage(ext []*builtExternal, debs []DebianResult) sbom.Image {
	img := sbom.Image{
		Name: "cairn", Version: b.tag, Commit: b.commit, Created: time.Unix(b.epoch, 0).UTC(), Distro: debianRelease, Arch: "amd64",
		Kernel:  sbom.Kernel{Package: b.m.Kernel.Package, Version: b.m.Kernel.Version, SHA256: b.m.Kernel.SHA256, Release: b.m.Kernel.Release},
		Origins: map[string]sbom.Origin{},
	}
	binary := func(bin Binary, o sbom.Origin) {
		for _, p := range append([]string{bin.Path}, bin.Links...) {
			img.Origins[p] = o
		}
	}
	for _, bin := range b.m.Binaries {
		binary(bin, sbom.Origin{Kind: sbom.OriginCairn, Version: b.tag})
	}
	for _, x := range ext {
		for _, bin := range x.e.Binaries {
			if bin.Path != "" {
				binary(bin, sbom.Origin{Kind: sbom.OriginExternal, Source: x.e.Name, Version: x.e.Version})
			}
		}
	}
	modules := "/lib/modules/" + b.m.Kernel.Release + "/"
	img.Origins[modules] = sbom.Origin{Kind: sbom.OriginKernel, Source: b.m.Kernel.Package, Version: b.m.Kernel.Version}
	img.Origins[modules+"modules.dep"] = sbom.Origin{Kind: sbom.OriginGenerated}
	for name := range b.generatedFiles() {
		img.Origins["/"+name] = sbom.Origin{Kind: sbom.OriginGenerated}
	}
	for _, d := range debs {
		for _, p := range d.Packages {
			img.Packages = append(img.Packages, sbom.Package{Name: p.Package, Version: p.Version, SHA256: p.SHA256})
		}
		for _, f := range d.Files {
			img.Origins[f.Path] = sbom.Origin{Kind: sbom.OriginDebian, Source: f.Package}
		}
	}
	for _, im := range b.m.Images {
		img.Origins[im.Path] = sbom.Origin{Kind: sbom.OriginOCIImage, Source: im.Ref, Binary: findBinary(ext, im.Binary)}
	}
	return img
}
