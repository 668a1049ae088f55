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

// CycloneDX writes the bill as a CycloneDX 1.6 JSON document: the operating system is the
// metadata component; every other component is listed with its purl, and the files of the
// root are file components nested in the component they belong to (the rest at the top).
// Dependencies say what the operating system holds and what each program links.
func (b *Bill) CycloneDX() ([]byte, error) {
	comps := b.components()
	files := map[string]cdx.Component{}
	for _, f := range b.Files {
		files[f.Path] = cdxFile(f)
	}
	bom := cdx.NewBOM()
	bom.SerialNumber = "urn:uuid:" + b.uuid()
	bom.Metadata = &cdx.Metadata{
		Timestamp: b.Image.Created.UTC().Format(time.RFC3339),
		Tools:     &cdx.ToolsChoice{Components: &[]cdx.Component{{Type: cdx.ComponentTypeApplication, Name: "cairn-image-build", Version: b.Image.Version}}},
	}
	var top []cdx.Component
	var deps []cdx.Dependency
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
		if c.kind == kindOS {
			bom.Metadata.Component = &cc
		} else {
			top = append(top, cc)
		}
		if len(c.deps) > 0 {
			deps = append(deps, cdx.Dependency{Ref: c.ref, Dependencies: &c.deps})
		}
	}
	for _, f := range b.Files {
		if fc, ok := files[f.Path]; ok {
			top = append(top, fc)
		}
	}
	bom.Components = &top
	bom.Dependencies = &deps
	var buf bytes.Buffer
	enc := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON).SetPretty(true).SetEscapeHTML(false)
	if err := enc.EncodeVersion(bom, cdx.SpecVersion1_6); err != nil {
		return nil, fmt.Errorf("encode CycloneDX: %w", err)
	}
	return buf.Bytes(), nil
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
