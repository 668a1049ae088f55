package sbom

import (
	"bytes"
	"fmt"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// cdxType is each kind's component type. Only Cairn itself is the operating system; the
// kernel is a Debian package like the others, named as the kernel by its CPE.
var cdxType = map[string]cdx.ComponentType{
	kindOS: cdx.ComponentTypeOS, kindKernel: cdx.ComponentTypeLibrary, kindDebian: cdx.ComponentTypeLibrary,
	kindProgram: cdx.ComponentTypeApplication, kindModule: cdx.ComponentTypeLibrary, kindImage: cdx.ComponentTypeContainer,
}

// imageRef is the reference of the CycloneDX document's root: the image, not its operating
// system.
const imageRef = "cairn-image"

// CycloneDX writes the bill as a CycloneDX 1.6 JSON document. Its metadata component is the
// image (an application: the root a scanner reads as the thing scanned, the way Trivy writes
// a root filesystem's), and every other component is listed with its purl, the one operating
// system among them; the files of the root are file components nested in the component they
// belong to (the rest at the top). Dependencies say what each component holds: the image the
// operating system, the Go programs and the OCI images; the operating system the kernel and
// the Debian packages; each program the modules it links. Scanners that take whatever the
// operating system holds for OS packages (Trivy) thus read the Go modules as Go packages.
func (b *Bill) CycloneDX() ([]byte, error) {
	bom := cdx.NewBOM()
	bom.SerialNumber = "urn:uuid:" + b.uuid()
	bom.Metadata = &cdx.Metadata{
		Timestamp: b.Image.Created.UTC().Format(time.RFC3339),
		Tools:     &cdx.ToolsChoice{Components: &[]cdx.Component{{Type: cdx.ComponentTypeApplication, Name: "cairn-image-build", Version: b.Image.Version}}},
		Component: &cdx.Component{BOMRef: imageRef, Type: cdx.ComponentTypeApplication, Supplier: &cdx.OrganizationalEntity{Name: "Cairn"},
			Name: b.Image.Name + "-image", Version: b.Image.Version,
			Description: "the Cairn image (kernel and root file system) built from commit " + b.Image.Commit},
	}
	comps, deps := b.cdxComponents()
	bom.Components = &comps
	bom.Dependencies = &deps
	var buf bytes.Buffer
	enc := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON).SetPretty(true).SetEscapeHTML(false)
	if err := enc.EncodeVersion(bom, cdx.SpecVersion1_6); err != nil {
		return nil, fmt.Errorf("encode CycloneDX: %w", err)
	}
	return buf.Bytes(), nil
}

// cdxComponents lists every component of the bill, the operating system first, each with the
// files found in it, then the files found in none; and the dependencies, the image's first.
func (b *Bill) cdxComponents() ([]cdx.Component, []cdx.Dependency) {
	comps := b.components()
	files := map[string]cdx.Component{}
	for _, f := range b.Files {
		files[f.Path] = cdxFile(f)
	}
	image := []string{osRef}
	deps := []cdx.Dependency{{Ref: imageRef}} // the image's, complete after the loop
	var top []cdx.Component
	for _, c := range comps {
		cc := cdxComponent(c)
		var nested []cdx.Component
		for _, p := range c.files {
			if fc, ok := files[p]; ok {
				nested = append(nested, fc)
				delete(files, p)
			}
		}
		if len(nested) > 0 {
			cc.Components = &nested
		}
		top = append(top, cc)
		held := c.deps
		if c.kind == kindOS {
			var rest []string
			held, rest = osSplit(comps, c.deps)
			image = append(image, rest...)
		}
		if len(held) > 0 {
			deps = append(deps, cdx.Dependency{Ref: c.ref, Dependencies: &held})
		}
	}
	for _, f := range b.Files {
		if fc, ok := files[f.Path]; ok {
			top = append(top, fc)
		}
	}
	deps[0].Dependencies = &image
	return top, deps
}

// osSplit divides what the operating system contains into what the CycloneDX document says
// it holds, the kernel and the Debian packages, and the rest, which the image holds.
func osSplit(comps []*component, refs []string) (held, rest []string) {
	kind := make(map[string]string, len(comps))
	for _, c := range comps {
		kind[c.ref] = c.kind
	}
	for _, r := range refs {
		if k := kind[r]; k == kindKernel || k == kindDebian {
			held = append(held, r)
		} else {
			rest = append(rest, r)
		}
	}
	return held, rest
}

func cdxComponent(c *component) cdx.Component {
	out := cdx.Component{BOMRef: c.ref, Type: cdxType[c.kind], Name: c.name, Version: c.version, PackageURL: c.purl, CPE: c.cpe, Description: c.desc}
	if c.sha256 != "" {
		out.Hashes = &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: c.sha256}}
	}
	switch c.kind {
	case kindKernel, kindDebian:
		out.Supplier = &cdx.OrganizationalEntity{Name: "Debian"}
	case kindOS:
		out.Supplier = &cdx.OrganizationalEntity{Name: "Cairn"}
	}
	if len(c.props) > 0 {
		props := make([]cdx.Property, len(c.props))
		for i, p := range c.props {
			props[i] = cdx.Property{Name: p.name, Value: p.value}
		}
		out.Properties = &props
	}
	if len(c.files) > 0 {
		occ := make([]cdx.EvidenceOccurrence, len(c.files))
		for i, p := range c.files {
			occ[i] = cdx.EvidenceOccurrence{Location: p}
		}
		out.Evidence = &cdx.Evidence{Occurrences: &occ}
	}
	return out
}

func cdxFile(f File) cdx.Component {
	props := []cdx.Property{{Name: "cairn:origin", Value: f.Origin.String()}}
	out := cdx.Component{BOMRef: "file:" + f.Path, Type: cdx.ComponentTypeFile, Name: f.Path}
	if f.Link != "" {
		props = append(props, cdx.Property{Name: "cairn:link", Value: f.Link})
	} else {
		out.Hashes = &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: f.SHA256}}
		props = append(props, cdx.Property{Name: "cairn:size", Value: fmt.Sprint(f.Size)})
	}
	if f.ELF != nil && f.ELF.BuildID != "" {
		props = append(props, cdx.Property{Name: "cairn:elf:build-id", Value: f.ELF.BuildID})
	}
	out.Properties = &props
	return out
}

// uuid is a name-based UUID (version 5 layout) from the root's content: reproducible, and
// different for every different image.
func (b *Bill) uuid() string {
	id := []byte(b.contentID())[:32]
	id[12] = '5'
	id[16] = "89ab"[int(id[16])%4]
	return fmt.Sprintf("%s-%s-%s-%s-%s", id[0:8], id[8:12], id[12:16], id[16:20], id[20:32])
}
