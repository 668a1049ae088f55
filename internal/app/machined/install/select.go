package install

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cairn-os/cairn/pkg/machinery/config"
)

// SysBlock is where the kernel lists disks.
const SysBlock = "/sys/block"

// skipped are kernel names of block devices that are never install disks.
var skipped = []string{"loop", "ram", "zram", "sr", "dm-", "md", "nbd"}

// candidate is a disk of the machine.
type candidate struct {
	name, model string
	size        int64
}

func (c candidate) String() string {
	return fmt.Sprintf("/dev/%s (%d MiB, model %q)", c.name, c.size>>20, c.model)
}

// ResolveDisk returns the install disk machine.install names: disk, which must match
// diskSelector when one is set, or else the one disk of sys (SysBlock) that matches
// diskSelector. No match or several is refused, naming the disks seen.
func ResolveDisk(sys string, in config.InstallConfig) (string, error) {
	sel := in.DiskSelector
	if sel == (config.DiskSelector{}) {
		return in.Disk, nil
	}
	size, err := config.ParseSizeMatch(sel.Size)
	if sel.Size != "" && err != nil {
		return "", fmt.Errorf("%w: machine.install.diskSelector.size %q %w", ErrRefused, sel.Size, err)
	}
	all, err := disks(sys)
	if err != nil {
		return "", fmt.Errorf("%w: list disks: %w", ErrRefused, err)
	}
	var match []candidate
	for _, c := range all {
		modelOK, _ := path.Match(sel.Model, c.model)
		if (sel.Size == "" || size.Matches(c.size)) && (sel.Model == "" || modelOK) && (in.Disk == "" || diskName(in.Disk) == c.name) {
			match = append(match, c)
		}
	}
	if len(match) != 1 {
		return "", fmt.Errorf("%w: machine.install.diskSelector (size %q, model %q) matches %d disk(s) %v of %v; want exactly one",
			ErrRefused, sel.Size, sel.Model, len(match), match, all)
	}
	return "/dev/" + match[0].name, nil
}

func diskName(p string) string {
	if resolved, err := filepath.EvalSymlinks(p); err == nil {
		p = resolved
	}
	return filepath.Base(p)
}

// disks lists the machine's disks with their size and model.
func disks(sys string) ([]candidate, error) {
	des, err := os.ReadDir(sys)
	if err != nil {
		return nil, err
	}
	var out []candidate
	for _, de := range des {
		name := de.Name()
		if skip(name) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(sys, name, "size"))
		if err != nil {
			continue
		}
		sectors, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err != nil || sectors <= 0 {
			continue
		}
		model, _ := os.ReadFile(filepath.Join(sys, name, "device", "model"))
		out = append(out, candidate{name: name, size: sectors * 512, model: strings.TrimSpace(string(model))})
	}
	return out, nil
}

func skip(name string) bool {
	for _, p := range skipped {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}
