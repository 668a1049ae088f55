// Package osimage is the signed Cairn OS image that upgrades and installs write to a disk slot:
// a tar stream of manifest.json, manifest.sig (ECDSA P-256 over the manifest), then the files
// the manifest lists, in its order. A reader verifies the signature against the keys a node
// trusts before it yields a byte of any file, and each file's size and sha256 as it ends.
package osimage

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// FormatVersion is the manifest format this package writes and reads.
const FormatVersion = 1

// The files of an image, in stream order.
const (
	FileKernel     = "vmlinuz"          // the kernel (EFI stub)
	FileInitramfs  = "initramfs"        // the disk initramfs: /init and its modules, no root
	FileRoot       = "root.verity"      // the slot's content: squashfs, then its dm-verity tree
	FileBootloader = "systemd-boot.efi" // the boot loader the ESP carries
)

// fileLimits bound each file: what a reader accepts before reading it.
var fileLimits = map[string]int64{FileKernel: 64 << 20, FileInitramfs: 256 << 20, FileRoot: 512 << 20, FileBootloader: 8 << 20}

// fileOrder is the one order files appear in a manifest and a stream.
var fileOrder = []string{FileKernel, FileInitramfs, FileRoot, FileBootloader}

// Manifest says what an image holds. Its JSON bytes are what the signature covers.
type Manifest struct {
	Format  int    `json:"format"`
	Version string `json:"version"`
	Arch    string `json:"arch"`
	// KernelArgs are the boot entry's arguments besides cairn.slot= and the verity ones.
	KernelArgs []string `json:"kernelArgs"`
	Verity     Verity   `json:"verity"`
	Files      []File   `json:"files"`
}

// Verity are the dm-verity parameters of FileRoot: the tree starts at HashOffset.
type Verity struct {
	RootHash   string `json:"rootHash"`
	Salt       string `json:"salt"`
	HashOffset int64  `json:"hashOffset"`
}

// File is one file of the image.
type File struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

var (
	versionRe = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$`)
	argRe     = regexp.MustCompile(`^[0-9A-Za-z._,:/=+-]{1,256}$`)
)

// ParseManifest decodes and validates a manifest strictly.
func ParseManifest(data []byte) (*Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("image manifest: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("image manifest: data after the JSON object")
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Validate reports every field that is not as this package writes it.
func (m *Manifest) Validate() error {
	var errs []string
	bad := func(field string, v any, why string) { errs = append(errs, fmt.Sprintf("%s %v: %s", field, v, why)) }
	if m.Format != FormatVersion {
		bad("format", m.Format, fmt.Sprintf("want %d", FormatVersion))
	}
	if !versionRe.MatchString(m.Version) {
		bad("version", fmt.Sprintf("%q", m.Version), "want 1-64 of [0-9A-Za-z.+_-]")
	}
	if m.Arch != "amd64" {
		bad("arch", fmt.Sprintf("%q", m.Arch), "want amd64")
	}
	for i, a := range m.KernelArgs {
		if !argRe.MatchString(a) || strings.HasPrefix(a, "cairn.slot=") || strings.HasPrefix(a, "cairn.verity.") {
			bad(fmt.Sprintf("kernelArgs[%d]", i), fmt.Sprintf("%q", a), "not a plain kernel argument, or one the boot entry sets itself")
		}
	}
	if !isHex(m.Verity.RootHash, 32) || !isHex(m.Verity.Salt, 32) {
		bad("verity", fmt.Sprintf("%q/%q", m.Verity.RootHash, m.Verity.Salt), "root hash and salt must be 64 lowercase hex digits")
	}
	errs = append(errs, m.checkFiles()...)
	if len(errs) > 0 {
		return fmt.Errorf("image manifest: %s", strings.Join(errs, "; "))
	}
	return nil
}

func (m *Manifest) checkFiles() []string {
	if len(m.Files) != len(fileOrder) {
		return []string{fmt.Sprintf("files: %d listed, want %d (%s)", len(m.Files), len(fileOrder), strings.Join(fileOrder, ", "))}
	}
	var errs []string
	for i, f := range m.Files {
		switch {
		case f.Name != fileOrder[i]:
			errs = append(errs, fmt.Sprintf("files[%d].name %q: want %q", i, f.Name, fileOrder[i]))
		case f.Size <= 0 || f.Size > fileLimits[f.Name]:
			errs = append(errs, fmt.Sprintf("files[%d] (%s).size %d: want 1 to %d", i, f.Name, f.Size, fileLimits[f.Name]))
		case !isHex(f.SHA256, 32):
			errs = append(errs, fmt.Sprintf("files[%d] (%s).sha256 %q: want 64 lowercase hex digits", i, f.Name, f.SHA256))
		}
	}
	root := m.Files[2]
	if o := m.Verity.HashOffset; root.Name == FileRoot && (o <= 0 || o%4096 != 0 || o >= root.Size) {
		errs = append(errs, fmt.Sprintf("verity.hashOffset %d: want a multiple of 4096 inside %s (%d bytes)", o, FileRoot, root.Size))
	}
	return errs
}

// isHex says whether s is n bytes in lowercase hex.
func isHex(s string, n int) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == n && strings.ToLower(s) == s
}

// File returns the manifest's entry for name.
func (m *Manifest) File(name string) (File, bool) {
	for _, f := range m.Files {
		if f.Name == name {
			return f, true
		}
	}
	return File{}, false
}
