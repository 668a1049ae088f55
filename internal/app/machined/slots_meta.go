package machined

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/cairn-os/cairn/internal/pkg/osimage"
	"github.com/cairn-os/cairn/internal/pkg/partition"
	"github.com/cairn-os/cairn/internal/pkg/slotmeta"
)

// readMeta returns the META record, or an empty one when META cannot be read (a disk written
// before META was used, or a read error, which is logged): the slots are still listed.
func (d *diskSlots) readMeta() slotmeta.Record {
	f, err := d.openMeta(os.O_RDONLY)
	if err != nil {
		d.log.Warn("META not read: slots are listed without their write records", "error", err)
		return slotmeta.Record{Slots: map[string]slotmeta.Slot{}}
	}
	defer func() { _ = f.Close() }()
	r, err := slotmeta.Read(f)
	if err != nil {
		d.log.Warn("META not read", "error", err)
	}
	return r
}

// recordSlot writes to META what slot now holds.
func (d *diskSlots) recordSlot(slot, signer string, m *osimage.Manifest) error {
	f, err := d.openMeta(os.O_RDWR)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	r, err := slotmeta.Read(f)
	if err != nil {
		return err
	}
	r.Slots[slot] = slotmeta.Slot{Version: m.Version, Signer: signer, RootHash: m.Verity.RootHash, Written: time.Now().UTC()}
	if err := slotmeta.Write(f, r); err != nil {
		return err
	}
	return f.Close()
}

func (d *diskSlots) openMeta(flag int) (*os.File, error) {
	p, err := partition.Find(d.sys, partition.LabelMeta)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(d.dev, p.Name), flag, 0)
	if err != nil {
		return nil, fmt.Errorf("open META: %w", err)
	}
	return f, nil
}
