package machined

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/internal/app/machined/boot"
	"github.com/cairn-os/cairn/internal/pkg/cmdline"
	"github.com/cairn-os/cairn/internal/pkg/etcdquorum"
	"github.com/cairn-os/cairn/internal/pkg/partition"
	"github.com/cairn-os/cairn/internal/pkg/sdboot"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// trialTries is how many boots systemd-boot gives a new slot before falling back.
const trialTries = 3

// slotNames are the two slots; the other of a is b.
var slotNames = []string{"a", "b"}

func otherSlot(s string) string {
	if s == "a" {
		return "b"
	}
	return "a"
}

// slotLabel is the GPT name of a slot's partition.
func slotLabel(s string) string {
	if s == "a" {
		return partition.LabelSlotA
	}
	return partition.LabelSlotB
}

// diskSlots is the slot manager of a node booted from a disk slot.
type diskSlots struct {
	log    *slog.Logger
	esp    sdboot.ESP
	booted string // the slot of this boot (cairn.slot=)
	// trusted returns the keys of machine.upgrade.trustedKeys (nil in maintenance mode).
	trusted func() ([]*ecdsa.PublicKey, error)
	// spool is a directory on EPHEMERAL where an image's files wait until all are verified.
	spool string
	// reboot asks machined to reboot (after the reply has gone out).
	reboot func() error
	// kubeReady says whether this node's Kubernetes Node is Ready now; expectFile (in STATE)
	// records it before an upgrade, so the trial demands of the new slot what the old one had.
	kubeReady  func(context.Context) bool
	expectFile string
	// etcdQuorum checks etcd's quorum without this node (nil: no check, as in tests).
	etcdQuorum func(context.Context) (etcdquorum.Report, error)
	// sys is the sysfs block class and dev the device directory of partition lookups; a test
	// points them elsewhere.
	sys, dev string
	// timing of a trial boot: deadline returns machine.upgrade.trialMinutes (trialDeadline
	// when unset); settle and poll are trialSettle and trialPoll unless a test sets them.
	deadline     func() time.Duration
	settle, poll time.Duration
	// write guards upgrades and rollbacks: one at a time.
	write sync.Mutex
}

// Slots lists both slots from the boot entries.
func (d *diskSlots) Slots() ([]SlotInfo, error) {
	es, err := d.esp.Entries()
	if err != nil {
		return nil, err
	}
	meta := d.readMeta()
	var out []SlotInfo
	for _, name := range slotNames {
		si := SlotInfo{Name: name, Status: "empty", Active: name == d.booted}
		if rec, ok := meta.Slots[name]; ok {
			si.Signer, si.Written = rec.Signer, rec.Written
		}
		for _, e := range es { // newest first: the entry that counts
			if e.Slot == name {
				si.Version, si.Status, si.Generation = e.Version, e.Status(), e.Generation
				break
			}
		}
		out = append(out, si)
	}
	return out, nil
}

// current returns the boot entry of the booted slot.
func (d *diskSlots) current() (sdboot.Entry, error) {
	e, ok, err := d.esp.Slot(d.booted)
	if err != nil {
		return e, err
	}
	if !ok {
		return e, fmt.Errorf("no boot entry for slot %s, which this node booted from", d.booted)
	}
	return e, nil
}

// nextGeneration is one more than every entry's.
func (d *diskSlots) nextGeneration() (int, error) {
	es, err := d.esp.Entries()
	if err != nil {
		return 0, err
	}
	g := 0
	for _, e := range es {
		g = max(g, e.Generation)
	}
	return g + 1, nil
}

// Rollback boots the other slot next: its entry is written again with the newest
// generation, so systemd-boot picks it; this slot's entry stays good (rolling forward is
// another rollback). The other slot must hold an image that booted well.
func (d *diskSlots) Rollback(_ context.Context) (SlotInfo, error) {
	if !d.write.TryLock() {
		return SlotInfo{}, apierr.Unavailable("an upgrade or rollback is in progress on this node")
	}
	defer d.write.Unlock()
	cur, err := d.current()
	if err != nil {
		return SlotInfo{}, err
	}
	if cur.Status() == "trial" {
		return SlotInfo{}, apierr.Precondition("slot %s is on trial: it is marked good or rolled back by itself once its health check ends", d.booted)
	}
	other, ok, err := d.esp.Slot(otherSlot(d.booted))
	if err != nil {
		return SlotInfo{}, err
	}
	if !ok || other.Status() != "good" {
		return SlotInfo{}, apierr.Precondition("slot %s holds no image that booted well (%s): nothing to roll back to", otherSlot(d.booted), statusOf(other, ok))
	}
	gen, err := d.nextGeneration()
	if err != nil {
		return SlotInfo{}, err
	}
	next := other
	next.Generation = gen
	if err := d.esp.AddEntry(next); err != nil {
		return SlotInfo{}, err
	}
	if err := d.esp.Remove(other); err != nil {
		d.log.Warn("old boot entry left in place (the newer one wins)", "entry", other.FileName(), "error", err)
	}
	d.log.Info("rollback: the other slot boots next", "slot", next.Slot, "version", next.Version, "generation", gen)
	if err := d.reboot(); err != nil {
		return SlotInfo{}, apierr.Precondition("slot %s boots next, but the reboot was refused: %v", next.Slot, err)
	}
	return SlotInfo{Name: next.Slot, Version: next.Version, Status: next.Status(), Generation: gen}, nil
}

func statusOf(e sdboot.Entry, ok bool) string {
	if !ok {
		return "empty"
	}
	return e.Status()
}

// errNoKeys refuses an upgrade on a node that trusts no signing key.
var errNoKeys = errors.New("machine.upgrade.trustedKeys is empty: this node accepts no OS image (add the .pub of cairnctl gen image-key to its configuration)")

// newDiskSlots returns the slot manager of a node booted from a disk slot, or nil with the
// reason when the node has no slots to manage.
func (n *daemon) newDiskSlots() (*diskSlots, string) {
	if n.opts.Mode != ModeMetal {
		return nil, "container mode"
	}
	cl, err := cmdline.Read()
	if err != nil {
		return nil, err.Error()
	}
	slot, ok := cl.Get("cairn.slot")
	if !ok {
		return nil, "the root is in RAM (no cairn.slot= argument)"
	}
	if slot != "a" && slot != "b" {
		return nil, fmt.Sprintf("cairn.slot=%q is neither a nor b", slot)
	}
	esp := sdboot.ESP{Dir: boot.ESPDir}
	if _, err := esp.Entries(); err != nil {
		return nil, fmt.Sprintf("the EFI system partition is not readable at %s: %v", boot.ESPDir, err)
	}
	return &diskSlots{log: n.log.With("component", "slots"), esp: esp, booted: slot, trusted: n.trustedImageKeys,
		spool: "/var/lib/cairn/upgrade", reboot: func() error { return n.request(lifecycleReboot) },
		kubeReady: func(ctx context.Context) bool { return nodeReady(ctx) == nil }, expectFile: n.trialExpectFile(),
		etcdQuorum: n.localEtcdQuorum,
		sys:        partition.SysClassBlock, dev: "/dev", deadline: n.trialDeadline, settle: trialSettle, poll: trialPoll}, ""
}

// trustedImageKeys parses machine.upgrade.trustedKeys of the active configuration.
func (n *daemon) trustedImageKeys() ([]*ecdsa.PublicKey, error) {
	n.mu.Lock()
	cfg := n.cfg
	n.mu.Unlock()
	if cfg == nil {
		return nil, apierr.Precondition("the node is in maintenance mode: it has no configuration, so it trusts no image signing key")
	}
	var keys []*ecdsa.PublicKey
	for i, k := range cfg.Machine.Upgrade.TrustedKeys {
		pub, err := pki.ParsePublicKey(k)
		if err != nil {
			return nil, apierr.Precondition("machine.upgrade.trustedKeys[%d]: %v", i, err)
		}
		keys = append(keys, pub)
	}
	return keys, nil
}

// trialDeadline is machine.upgrade.trialMinutes of the active configuration, or trialDeadline.
func (n *daemon) trialDeadline() time.Duration {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cfg != nil && n.cfg.Machine.Upgrade.TrialMinutes > 0 {
		return time.Duration(n.cfg.Machine.Upgrade.TrialMinutes) * time.Minute
	}
	return trialDeadline
}
