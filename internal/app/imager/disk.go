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
	if hasFormat(b.formats, FormatSigned) || hasFormat(b.formats, FormatISO) {
		if err := b.writeSigned(filepath.Join(work, "cairn.img"), parts); err != nil {
			return err
		}
	}
	if hasFormat(b.formats, FormatISO) {
		return b.buildISO(work, parts)
	}
	return nil
}

// buildISO writes the install initramfs (the ordinary initramfs and cairn.img, for the ISO
// and for PXE) and the ISO that boots it.
func (b *builder) buildISO(work string, parts *diskParts) error {
	b.progress("writing %s (the initramfs with the signed OS image at /%s)", installInitramfs, InstallPayload)
	b.in.install = filepath.Join(work, installInitramfs)
	if err := b.writeInitramfs(b.in.install, b.in.initBin, b.in.sqsh, filepath.Join(work, "cairn.img"), b.in.mods, b.in.initDep); err != nil {
		return err
	}
	b.progress("writing cairn.iso (ISO 9660, El Torito EFI boot: systemd-boot, the kernel and %s)", installInitramfs)
	return b.writeISO(filepath.Join(work, "cairn.iso"), work, parts)
}
