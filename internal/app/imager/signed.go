package imager

import (
	"fmt"
	"os"

	"github.com/cairn-os/cairn/internal/pkg/osimage"
)

// writeSigned writes cairn.img, the signed OS image an upgrade streams to a node: the slot's
// kernel, disk initramfs, verity'd root and boot loader, with their digests in a manifest
// signed by the build's key.
func (b *builder) writeSigned(file string, p *diskParts) error {
	b.progress("writing cairn.img (the signed OS image for upgrades), key %s", osimage.KeyID(&b.signKey.PublicKey))
	out, err := os.OpenFile(file, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644) //nolint:gosec // images are public.
	if err != nil {
		return err
	}
	defer func() { _ = out.Close() }()
	m := osimage.Manifest{Version: b.tag, Arch: "amd64", KernelArgs: b.m.Boot.Cmdline,
		Verity: osimage.Verity{RootHash: p.desc.Verity.RootHash, Salt: p.desc.Verity.Salt, HashOffset: p.desc.Verity.HashOffset}}
	paths := map[string]string{osimage.FileKernel: p.kernel, osimage.FileInitramfs: p.initramfs, osimage.FileRoot: p.slot, osimage.FileBootloader: p.loader}
	if _, err := osimage.WriteFiles(out, m, paths, b.signKey); err != nil {
		return fmt.Errorf("cairn.img: %w", err)
	}
	return out.Close()
}
