package machined

import (
	"context"
	"io"
	"time"
)

// UpgradeResult is what an upgrade wrote.
type UpgradeResult struct {
	Version    string // the new image's version
	Slot       string // the slot written: a or b
	Signer     string // key ID of the trusted key that signed the image
	Generation int    // the boot entry's generation
	Rebooting  bool   // false when staged: the next reboot boots it
}

// UpgradeOptions are the caller's choices: Stage writes without rebooting; Force upgrades a
// control-plane node even when etcd would lose its quorum while it reboots.
type UpgradeOptions struct {
	Stage, Force bool
}

// SlotInfo describes one disk slot.
type SlotInfo struct {
	Name       string // a or b
	Version    string // Cairn version of the image in the slot ("" when empty)
	Status     string // good, trial, bad or empty
	Generation int
	Active     bool // the slot the node booted from
	// Signer and Written are from the META record of the slot's last write (zero if none).
	Signer  string
	Written time.Time
}

// slotManager manages the A/B slots of the disk the node booted from. It is nil on a node
// that has no slots (container mode, or the root in RAM: PXE, direct kernel boot, the ISO).
type slotManager interface {
	// Upgrade verifies the signed OS image read from image against the configuration's
	// trusted keys before writing anything, writes it to the inactive slot, adds its boot
	// entry on trial and, unless o.Stage, reboots into it. On a node running etcd it first
	// checks that etcd keeps its quorum without it, unless o.Force.
	Upgrade(ctx context.Context, image io.Reader, o UpgradeOptions) (UpgradeResult, error)
	// Rollback makes the other slot boot next (it must hold a good image) and reboots.
	Rollback(ctx context.Context) (SlotInfo, error)
	// Slots lists both slots.
	Slots() ([]SlotInfo, error)
}
