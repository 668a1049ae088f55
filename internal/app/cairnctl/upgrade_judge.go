package cairnctl

import (
	"fmt"

	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

// waitVerdict is what one look at an upgraded node says.
type waitVerdict int

const (
	waitMore   waitVerdict = iota // not there yet
	waitDone                      // it runs from the new slot, marked good
	waitFailed                    // it came back on another slot, or lost the new one
)

// upgradeWait follows a node after an upgrade that wrote slot: down once the reboot begins,
// then up on slot, on trial until its health check marks it good.
type upgradeWait struct {
	slot string
	down bool // the node stopped answering at least once since the upgrade
}

// judge looks at one answer of the node (v, or the error of the call) and says how it stands.
func (w *upgradeWait) judge(v *machine.Version, err error) (waitVerdict, string) {
	if err != nil {
		w.down = true
		return waitMore, fmt.Sprintf("not answering (%v)", err)
	}
	if e := v.GetSlotsError(); e != "" {
		return waitMore, "answers but did not read its slots: " + printable(e)
	}
	active, target := slotNamed(v, ""), slotNamed(v, w.slot)
	tag := printable(v.GetVersion().GetTag())
	switch {
	case target == nil:
		return waitFailed, fmt.Sprintf("the node answers (Cairn %s) but lists no slot %s", tag, printable(w.slot))
	case active == target && target.GetStatus() == "good":
		return waitDone, fmt.Sprintf("runs Cairn %s from slot %s, marked good", tag, printable(w.slot))
	case active == target:
		return waitMore, fmt.Sprintf("runs Cairn %s from slot %s on trial: waiting for its health check to mark it good", tag, printable(w.slot))
	case target.GetStatus() == "bad" || w.down:
		return waitFailed, fmt.Sprintf("the node came back on slot %s (Cairn %s) and slot %s is %s: it fell back by itself",
			printable(active.GetName()), tag, printable(w.slot), printable(target.GetStatus()))
	}
	return waitMore, fmt.Sprintf("still answers from slot %s (Cairn %s): waiting for the reboot", printable(active.GetName()), tag)
}

// slotNamed is v's slot of that name, or its active slot for ""; nil if none.
func slotNamed(v *machine.Version, name string) *machine.Slot {
	for _, s := range v.GetSlots() {
		if (name == "" && s.GetActive()) || (name != "" && s.GetName() == name) {
			return s
		}
	}
	return nil
}
