package imager

import (
	"context"
	"path/filepath"
)

// buildFormats writes the raw and ISO images the build asks for, from the pieces of the
// initramfs format, and records the slot they boot.
func (b *builder) buildFormats(ctx context.Context, work string, res *Result) error {
	if !hasFormat(b.formats, FormatRaw) && !hasFormat(b.formats, FormatISO) && !hasFormat(b.formats, FormatSigned) {
		return nil
	}
	parts, err := b.buildDiskParts(ctx, work)
	if err != nil {
		return err
	}
	res.Slot = &parts.desc
	if hasFormat(b.formats, FormatRaw) {
		b.progress("writing cairn.raw (GPT: EFI, CAIRN-A, CAIRN-B, CAIRN-META, CAIRN-STATE)")
		if err := b.writeRaw(filepath.Join(work, "cairn.raw"), parts); err != nil {
			return err
		}
	}
	if hasFormat(b.formats, FormatSigned) {
		if err := b.writeSigned(filepath.Join(work, "cairn.img"), parts); err != nil {
			return err
		}
	}
	if hasFormat(b.formats, FormatISO) {
		b.progress("writing cairn.iso (ISO 9660, El Torito EFI boot, install pieces under /cairn/)")
		if err := b.writeISO(filepath.Join(work, "cairn.iso"), work, parts); err != nil {
			return err
		}
	}
	return nil
}
