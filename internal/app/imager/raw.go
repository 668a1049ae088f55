package imager

import (
	"crypto/sha256"
	"fmt"
	"os"
	"sort"
	"strconv"

	diskfs "github.com/diskfs/go-diskfs"

	"github.com/cairn-os/cairn/internal/pkg/disklayout"
)

const mib = disklayout.MiB

// writeRaw writes the sparse GPT disk image (disklayout, as an install writes a disk): the
// ESP with systemd-boot and slot A's entry, kernel and disk initramfs; slot A's squashfs and
// verity tree; the rest zeros.
func (b *builder) writeRaw(file string, p *diskParts) error {
	// go-diskfs stamps FAT directory entries with SOURCE_DATE_EPOCH when it is set.
	if err := os.Setenv("SOURCE_DATE_EPOCH", strconv.FormatInt(b.epoch, 10)); err != nil {
		return err
	}
	_ = os.Remove(file)
	d, err := diskfs.Create(file, disklayout.ImageSize(), diskfs.SectorSize512)
	if err != nil {
		return fmt.Errorf("create %s: %w", file, err)
	}
	defer func() { _ = d.Close() }()
	if err := disklayout.WriteTable(d, contentSeed(p.desc)); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if err := disklayout.WriteESP(d, slotESP(p)); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return copySlot(file, p.slot)
}

// contentSeed hashes the sha256 of every slot file.
func contentSeed(d SlotImage) []byte {
	names := make([]string, 0, len(d.Files))
	for n := range d.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		_, _ = fmt.Fprintf(h, "%s %s\n", n, d.Files[n].SHA256)
	}
	return h.Sum(nil)
}

// copySlot writes the slot image into slot A of the disk image.
func copySlot(file, slot string) error {
	f, err := os.OpenFile(file, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	r, err := os.Open(slot)
	if err != nil {
		return err
	}
	defer func() { _ = r.Close() }()
	if _, err := disklayout.WriteSlotA(f, r); err != nil {
		return fmt.Errorf("%s: %w", slot, err)
	}
	return f.Close()
}
