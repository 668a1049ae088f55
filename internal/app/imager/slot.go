package imager

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/cairn-os/cairn/internal/pkg/verity"
)

// SlotImage describes one boot slot's pieces, as the raw image holds them and as the ISO
// carries them under /cairn/ (with this description as /cairn/slot.json) for an installer.
type SlotImage struct {
	Version string `json:"version"`
	// Cmdline are the options of the slot's boot entry except cairn.slot=a|b.
	Cmdline []string     `json:"cmdline"`
	Verity  VerityResult `json:"verity"`
	// Loader is the Debian package systemd-boot (BOOTX64.EFI) comes from.
	Loader Deb `json:"loader"`
	// Files are vmlinuz, initramfs (the disk initramfs: no rootfs.sqsh), slot.img (the
	// squashfs root, zero-padded, then its dm-verity superblock and hash tree) and
	// BOOTX64.EFI.
	Files map[string]Artifact `json:"files"`
}

// VerityResult are a slot image's dm-verity parameters.
type VerityResult struct {
	RootHash   string `json:"rootHash"`
	Salt       string `json:"salt"`
	HashOffset int64  `json:"hashOffset"`
	DataBlocks int64  `json:"dataBlocks"`
}

// diskParts are the files of a slot in the build directory, with their description.
type diskParts struct {
	kernel, initramfs, slot, loader string
	desc                            SlotImage
}

// slotFiles maps the names of SlotImage.Files to the parts' paths.
func (p *diskParts) slotFiles() map[string]string {
	return map[string]string{"vmlinuz": p.kernel, "initramfs": p.initramfs, "slot.img": p.slot, "BOOTX64.EFI": p.loader}
}

// buildDiskParts writes the disk initramfs and the verity'd slot image and fetches
// systemd-boot: what the raw and ISO images are made of.
func (b *builder) buildDiskParts(ctx context.Context, work string) (*diskParts, error) {
	p := &diskParts{kernel: b.in.kernel, initramfs: filepath.Join(work, "disk-initramfs"), slot: filepath.Join(work, "slot.img")}
	b.progress("writing the disk initramfs (no rootfs.sqsh) and the slot image (rootfs.sqsh + dm-verity tree)")
	if err := b.writeInitramfs(p.initramfs, b.in.initBin, "", "", b.in.mods, b.in.initDep); err != nil {
		return nil, err
	}
	vp, err := writeSlot(b.in.sqsh, p.slot)
	if err != nil {
		return nil, err
	}
	t, err := b.extractDebs(ctx, Debian{Name: "systemd-boot", Packages: []Deb{b.m.Boot.Loader}})
	if err != nil {
		return nil, fmt.Errorf("boot loader: %w", err)
	}
	p.loader = filepath.Join(t.root, b.m.Boot.Loader.Package, filepath.FromSlash(strings.TrimPrefix(b.m.Boot.LoaderFile, "/")))
	if err := b.describe(p, vp); err != nil {
		return nil, err
	}
	b.progress("slot image: %d bytes, verity root hash %s", p.desc.Files["slot.img"].Size, p.desc.Verity.RootHash)
	return p, nil
}

// describe records the slot's version, kernel arguments, verity parameters, boot loader
// package and files.
func (b *builder) describe(p *diskParts, vp verity.Params) error {
	p.desc = SlotImage{Version: b.tag, Cmdline: append(append([]string{}, b.m.Boot.Cmdline...), vp.KernelArgs()...),
		Loader: b.m.Boot.Loader, Files: map[string]Artifact{},
		Verity: VerityResult{RootHash: hex.EncodeToString(vp.RootHash), Salt: hex.EncodeToString(vp.Salt), HashOffset: vp.HashOffset, DataBlocks: vp.DataBlocks}}
	for name, file := range p.slotFiles() {
		sum, size, err := fileSHA256(file)
		if err != nil {
			return fmt.Errorf("slot file %s: %w", name, err)
		}
		p.desc.Files[name] = Artifact{SHA256: sum, Size: size}
	}
	return nil
}

// writeSlot copies the squashfs into a new slot image and builds its dm-verity hash area
// after it.
func writeSlot(sqsh, slot string) (verity.Params, error) {
	in, err := os.Open(sqsh)
	if err != nil {
		return verity.Params{}, err
	}
	defer func() { _ = in.Close() }()
	out, err := os.OpenFile(slot, os.O_CREATE|os.O_RDWR|os.O_TRUNC, 0o644) //nolint:gosec // the image is world-readable by design.
	if err != nil {
		return verity.Params{}, err
	}
	defer func() { _ = out.Close() }()
	n, err := io.Copy(out, in)
	if err != nil {
		return verity.Params{}, fmt.Errorf("copy %s: %w", sqsh, err)
	}
	vp, err := verity.Build(out, out, n)
	if err != nil {
		return verity.Params{}, err
	}
	return vp, out.Close()
}
