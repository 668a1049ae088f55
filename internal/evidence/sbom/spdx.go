package sbom

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"
)

const noAssertion = "NOASSERTION"

// spdxPurpose is each kind's primary package purpose, as the SPDX 2.3 JSON schema spells them.
var spdxPurpose = map[string]string{
	kindOS: "OPERATING_SYSTEM", kindKernel: "LIBRARY", kindDebian: "LIBRARY", kindProgram: "APPLICATION",
	kindModule: "LIBRARY", kindImage: "CONTAINER",
}

var reSPDXID = regexp.MustCompile(`[^a-zA-Z0-9.-]+`)

// SPDX writes the bill as an SPDX 2.3 JSON document: one package per component (the
// operating system's purpose OPERATING_SYSTEM, described by the document), one file entry per
// file of the root, and relationships saying what contains or statically links what.
func (b *Bill) SPDX() ([]byte, error) {
	comps := b.components()
	doc := &spdx.Document{
		SPDXVersion: spdx.Version, DataLicense: spdx.DataLicense, SPDXIdentifier: "DOCUMENT",
		DocumentName:      b.Image.Name + "-" + b.Image.Version,
		DocumentNamespace: "https://github.com/cairn-os/cairn/sbom/spdx/" + b.Image.Name + "-" + b.Image.Version + "-" + b.contentID(),
		CreationInfo: &spdx.CreationInfo{
			Creators: []common.Creator{{CreatorType: "Tool", Creator: "cairn-image-build-" + b.Image.Version}, {CreatorType: "Organization", Creator: "Cairn"}},
			Created:  b.Image.Created.UTC().Format(time.RFC3339),
		},
	}
	ids := map[string]common.ElementID{}
	for i, c := range comps {
		ids[c.ref] = common.ElementID(fmt.Sprintf("Package-%d-%s", i, reSPDXID.ReplaceAllString(c.name, "-")))
		doc.Packages = append(doc.Packages, spdxPackage(c, ids[c.ref]))
	}
	rel := func(a, kind string, bID common.ElementID) {
		doc.Relationships = append(doc.Relationships, &spdx.Relationship{
			RefA: common.MakeDocElementID("", a), RefB: common.MakeDocElementID("", string(bID)), Relationship: kind})
	}
	rel("DOCUMENT", "DESCRIBES", ids[osRef])
	owner := map[string]common.ElementID{}
	for _, c := range comps {
		kind := "CONTAINS"
		if c.kind == kindProgram {
			kind = "STATIC_LINK"
		}
		for _, d := range c.deps {
			rel(string(ids[c.ref]), kind, ids[d])
		}
		for _, f := range c.files {
			if _, ok := owner[f]; !ok {
				owner[f] = ids[c.ref]
			}
		}
	}
	for i, f := range b.Files {
		id := common.ElementID(fmt.Sprintf("File-%d", i))
		doc.Files = append(doc.Files, spdxFile(f, id))
		by, ok := owner[f.Path]
		if !ok {
			by = ids[osRef]
		}
		rel(string(by), "CONTAINS", id)
	}
	var buf bytes.Buffer
	if err := spdxjson.Write(doc, &buf, spdxjson.Indent("  "), spdxjson.EscapeHTML(false)); err != nil {
		return nil, fmt.Errorf("encode SPDX: %w", err)
	}
	return buf.Bytes(), nil
}

func spdxPackage(c *component, id common.ElementID) *spdx.Package {
	p := &spdx.Package{
		PackageName: c.name, PackageSPDXIdentifier: id, PackageVersion: c.version, PackageDownloadLocation: noAssertion,
		FilesAnalyzed: false, IsFilesAnalyzedTagPresent: true, PackageLicenseConcluded: noAssertion, PackageLicenseDeclared: noAssertion,
		PackageCopyrightText: noAssertion, PackageDescription: c.desc, PrimaryPackagePurpose: spdxPurpose[c.kind],
	}
	if c.sha256 != "" {
		p.PackageChecksums = []common.Checksum{{Algorithm: common.SHA256, Value: c.sha256}}
	}
	if c.purl != "" {
		p.PackageExternalReferences = append(p.PackageExternalReferences, &spdx.PackageExternalReference{Category: "PACKAGE-MANAGER", RefType: "purl", Locator: c.purl})
	}
	if c.cpe != "" {
		p.PackageExternalReferences = append(p.PackageExternalReferences, &spdx.PackageExternalReference{Category: "SECURITY", RefType: "cpe23Type", Locator: c.cpe})
	}
	switch c.kind {
	case kindKernel, kindDebian:
		p.PackageSupplier = &common.Supplier{SupplierType: "Organization", Supplier: "Debian"}
	case kindOS:
		p.PackageSupplier = &common.Supplier{SupplierType: "Organization", Supplier: "Cairn"}
	}
	// SPDX 2.3 has no properties: the build settings and origin go in the comment, one per line.
	var lines []string
	for _, pr := range c.props {
		lines = append(lines, pr.name+"="+pr.value)
	}
	p.PackageComment = strings.Join(lines, "\n")
	return p
}

func spdxFile(f File, id common.ElementID) *spdx.File {
	out := &spdx.File{FileName: "." + f.Path, FileSPDXIdentifier: id, LicenseConcluded: noAssertion, FileCopyrightText: noAssertion,
		FileTypes: []string{"OTHER"}, FileComment: "origin: " + f.Origin.String()}
	switch {
	case f.Link != "":
		// A symbolic link has no content: its checksums are those of the target path it holds.
		s := sumsOf([]byte(f.Link))
		out.Checksums = []common.Checksum{{Algorithm: common.SHA1, Value: s.sha1}, {Algorithm: common.SHA256, Value: s.sha256}}
		out.FileComment += "; symbolic link to " + f.Link + " (the checksums are of that target path)"
		return out
	case f.ELF != nil:
		out.FileTypes = []string{"BINARY"}
	case f.Origin.Kind == OriginOCIImage:
		out.FileTypes = []string{"ARCHIVE"}
	}
	out.Checksums = []common.Checksum{{Algorithm: common.SHA1, Value: f.SHA1}, {Algorithm: common.SHA256, Value: f.SHA256}}
	return out
}

// contentID identifies the root's content (every path with its digest or link), so that the
// document namespace is unique per image yet reproducible.
func (b *Bill) contentID() string {
	lines := make([]string, 0, len(b.Files))
	for _, f := range b.Files {
		lines = append(lines, f.Path+"\x00"+f.SHA256+"\x00"+f.Link)
	}
	sort.Strings(lines)
	h := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return hex.EncodeToString(h[:16])
}
