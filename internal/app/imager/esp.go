package imager

import (
	"github.com/cairn-os/cairn/internal/pkg/disklayout"
	"github.com/cairn-os/cairn/internal/pkg/sdboot"
)

// firstEntry is the boot entry of slot a on a fresh disk (disklayout.FirstEntry).
func firstEntry(d SlotImage) sdboot.Entry { return disklayout.FirstEntry(d.Version, d.Cmdline) }

// slotESP lists the ESP of a fresh disk: systemd-boot as the removable-media loader,
// loader.conf, and slot A's entry, kernel and disk initramfs.
func slotESP(p *diskParts) []disklayout.File {
	return disklayout.SlotESP(disklayout.File{Src: p.loader}, disklayout.File{Src: p.kernel},
		disklayout.File{Src: p.initramfs}, firstEntry(p.desc))
}
