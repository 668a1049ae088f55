package machined

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

// noSlots is the refusal of an upgrade or rollback on a node without disk slots; what is
// "upgraded" or "rolled back".
func (n *daemon) noSlots(what string) error {
	why := n.whyNoSlots()
	msg := fmt.Sprintf("this node has no disk slots (%s), so it cannot be %s in place", why, what)
	switch {
	case n.opts.Mode == ModeContainer:
		msg += ": a container node runs the host's cairn binary, not an image on a disk"
	case strings.Contains(why, "in RAM"):
		msg += ": boot it from a disk holding a Cairn raw image (cairnctl image build --format raw) first"
	}
	return apierr.Precondition("%s; nothing was changed", msg)
}

// whyNoSlots says why the node has no disk slots: the reason found at boot, else its mode's.
func (n *daemon) whyNoSlots() string {
	switch {
	case n.slotsAbsent != "":
		return n.slotsAbsent
	case n.opts.Mode == ModeContainer:
		return "container mode"
	}
	return "the root is in RAM: it booted from PXE, a direct kernel boot or the ISO"
}

// versionSlots are the slots Version reports, or why they could not be read, or why the node
// has none.
func (n *daemon) versionSlots() (slots []*machine.Slot, readErr, none string) {
	if n.slots == nil {
		return nil, "", n.whyNoSlots()
	}
	list, err := n.slots.Slots()
	if err != nil {
		return nil, fmt.Sprintf("read the disk slots: %v", err), ""
	}
	for _, s := range list {
		slots = append(slots, slotMessage(s))
	}
	return slots, "", ""
}

func slotMessage(s SlotInfo) *machine.Slot {
	m := &machine.Slot{Name: s.Name, Version: s.Version, Status: s.Status, Generation: int64(s.Generation), Active: s.Active, Signer: s.Signer}
	if !s.Written.IsZero() {
		m.Written = timestamppb.New(s.Written)
	}
	return m
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
