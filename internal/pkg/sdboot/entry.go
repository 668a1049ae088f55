// Package sdboot is Cairn's side of systemd-boot on the EFI system partition: loader.conf, one
// Boot Loader Specification (type #1) entry per disk slot, and the boot counting that makes an
// upgrade a trial: an entry named cairn-GEN-SLOT+LEFT-DONE.conf is tried LEFT more times
// (systemd-boot renames it at each attempt), an entry with no tries left is sorted last, and
// an entry without a counter has booted well. systemd-boot sorts entries by version, newest
// first, so the newest entry that is not bad boots: an upgrade needs no other state.
package sdboot

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Dirs and files on the ESP.
const (
	EntriesDir = "loader/entries"
	LoaderConf = "loader/loader.conf"
	Bootloader = "EFI/BOOT/BOOTX64.EFI"
)

// LoaderConfig is loader.conf: boot at once, never offer to edit the kernel command line (it
// carries the root hash), list only Cairn's entries, newest good entry first.
const LoaderConfig = "timeout 0\neditor no\nauto-entries no\nauto-firmware no\nconsole-mode keep\ndefault cairn-*\n"

// Entry is one slot's boot entry.
type Entry struct {
	Slot       string // a or b
	Generation int    // raised by every install or upgrade: the newest boots first
	// TriesLeft is -1 for an entry without a counter (it booted well), else the attempts
	// systemd-boot still makes; 0 is a bad entry. TriesDone counts attempts made.
	TriesLeft, TriesDone int
	Version              string   // Cairn version of the slot's image
	Options              []string // the kernel command line
	// Damaged says why an entry read from the ESP cannot boot (it names no kernel, or no Cairn
	// version: a write that a power cut left empty); "" for a whole entry.
	Damaged string
}

// Status is what an entry's counter says.
func (e Entry) Status() string {
	switch {
	case e.Damaged != "":
		return "damaged"
	case e.TriesLeft < 0:
		return "good"
	case e.TriesLeft == 0:
		return "bad"
	}
	return "trial"
}

// ID is the entry's name without counter and suffix.
func (e Entry) ID() string { return fmt.Sprintf("cairn-%d-%s", e.Generation, e.Slot) }

// FileName is the entry's file name in EntriesDir.
func (e Entry) FileName() string {
	switch {
	case e.TriesLeft < 0:
		return e.ID() + ".conf"
	case e.TriesDone == 0:
		return fmt.Sprintf("%s+%d.conf", e.ID(), e.TriesLeft)
	}
	return fmt.Sprintf("%s+%d-%d.conf", e.ID(), e.TriesLeft, e.TriesDone)
}

// KernelPath and InitrdPath are where a slot's boot files live on the ESP.
func KernelPath(slot string) string { return "cairn/" + slot + "/vmlinuz" }

// InitrdPath is the slot's disk initramfs on the ESP.
func InitrdPath(slot string) string { return "cairn/" + slot + "/initramfs" }

// Render is the entry file's content.
func (e Entry) Render() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "title Cairn %s (slot %s)\n", e.Version, strings.ToUpper(e.Slot))
	fmt.Fprintf(&b, "sort-key cairn\nversion %d\n", e.Generation)
	fmt.Fprintf(&b, "linux /%s\ninitrd /%s\n", KernelPath(e.Slot), InitrdPath(e.Slot))
	fmt.Fprintf(&b, "options %s\n", strings.Join(e.Options, " "))
	return []byte(b.String())
}

var fileRe = regexp.MustCompile(`^cairn-([1-9][0-9]{0,8})-([ab])(?:\+(0|[1-9][0-9]{0,2})(?:-([1-9][0-9]{0,2}))?)?\.conf$`)

// ParseFileName reads slot, generation and counter from an entry's file name.
func ParseFileName(name string) (Entry, error) {
	m := fileRe.FindStringSubmatch(name)
	if m == nil {
		return Entry{}, fmt.Errorf("boot entry %q: not cairn-GENERATION-SLOT[+LEFT[-DONE]].conf", name)
	}
	gen, _ := strconv.Atoi(m[1])
	e := Entry{Slot: m[2], Generation: gen, TriesLeft: -1}
	if m[3] != "" {
		e.TriesLeft, _ = strconv.Atoi(m[3])
	}
	if m[4] != "" {
		e.TriesDone, _ = strconv.Atoi(m[4])
	}
	return e, nil
}

// parseBody fills Version, Options and Damaged from an entry file's content.
func (e *Entry) parseBody(data string) {
	kernel := false
	for _, line := range strings.Split(data, "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch k {
		case "linux", "efi":
			kernel = strings.TrimSpace(v) != ""
		case "title":
			if t, ok := strings.CutPrefix(v, "Cairn "); ok {
				e.Version, _, _ = strings.Cut(t, " ")
			}
		case "options":
			e.Options = strings.Fields(v)
		}
	}
	switch {
	case data == "":
		e.Damaged = "the entry file is empty"
	case !kernel:
		e.Damaged = "the entry names no kernel"
	case e.Version == "":
		e.Damaged = "the entry's title names no Cairn version"
	}
}
