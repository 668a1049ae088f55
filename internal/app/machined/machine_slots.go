package machined

import (
	"fmt"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

// noSlots is the refusal of an upgrade or rollback on a node without disk slots; what is
// "upgraded" or "rolled back".
func (n *daemon) noSlots(what string) error {
	if n.opts.Mode == ModeContainer {
		return apierr.Precondition("this node has no disk slots, so it cannot be %s in place: in container mode it runs the host's cairn binary, not an image on a disk; nothing was changed", what)
	}
	return apierr.Precondition("this node has no disk slots, so it cannot be %s in place: its root is in RAM (it booted from PXE, a direct kernel boot or the ISO); install it to a disk first (machine.install.disk); nothing was changed", what)
}

// versionSlots are the slots Version reports, or why they could not be read; none on a node
// without disk slots.
func (n *daemon) versionSlots() ([]*machine.Slot, string) {
	if n.slots == nil {
		return nil, ""
	}
	list, err := n.slots.Slots()
	if err != nil {
		return nil, fmt.Sprintf("read the disk slots: %v", err)
	}
	out := make([]*machine.Slot, 0, len(list))
	for _, s := range list {
		out = append(out, slotMessage(s))
	}
	return out, ""
}

func slotMessage(s SlotInfo) *machine.Slot {
	return &machine.Slot{Name: s.Name, Version: s.Version, Status: s.Status, Generation: int64(s.Generation), Active: s.Active}
}

// upgradeMessage says what an upgrade did and what comes next.
func upgradeMessage(r UpgradeResult) string {
	written := fmt.Sprintf("Cairn %s, signed by key %s, is written to slot %s", r.Version, shortKeyID(r.Signer), r.Slot)
	if !r.Rebooting {
		return written + " and staged on trial: the node keeps running its current slot; the next reboot boots slot " + r.Slot +
			", which is marked good once the node is healthy on it, else the boot after returns to the current slot by itself"
	}
	return written + ": the node reboots into it now, on trial; slot " + r.Slot +
		" is marked good once the node is healthy on it, else the next boot returns to the previous slot by itself"
}

// shortKeyID is the start of a key ID, enough to tell keys apart in a sentence.
func shortKeyID(id string) string {
	if len(id) > 16 {
		return id[:16]
	}
	return id
}
