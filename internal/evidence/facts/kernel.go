package facts

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cairn-os/cairn/internal/pkg/sysctl"
)

func collectKernel(proc string) Kernel {
	return Kernel{
		Release: readValue(filepath.Join(proc, "sys/kernel/osrelease")),
		Version: readValue(filepath.Join(proc, "version")),
		Cmdline: readValue(filepath.Join(proc, "cmdline")),
	}
}

// collectLockdown reads the kernel lockdown mode: the file lists the modes with the
// active one in brackets ("none [integrity] confidentiality").
func collectLockdown(sys string) Fact[string] {
	v := readValue(filepath.Join(sys, "kernel/security/lockdown"))
	if !v.Known() {
		return v
	}
	return ParseLockdown(v.Value)
}

// ParseLockdown returns the bracketed (active) mode of a lockdown file's text.
func ParseLockdown(s string) Fact[string] {
	for _, f := range strings.Fields(s) {
		if len(f) > 2 && strings.HasPrefix(f, "[") && strings.HasSuffix(f, "]") {
			return known(f[1 : len(f)-1])
		}
	}
	return unknown[string](fmt.Sprintf("no active mode in %q", s))
}

func collectLSMs(sys string) Fact[[]string] {
	v := readValue(filepath.Join(sys, "kernel/security/lsm"))
	if !v.Known() {
		return unknown[[]string](v.Unknown)
	}
	out := []string{}
	for _, s := range strings.Split(v.Value, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return known(out)
}

// SysctlNames are the kernel parameters a snapshot records: those machined sets.
func SysctlNames() []string {
	var out []string
	for _, s := range slices.Concat(sysctl.KSPP, sysctl.Kubernetes) {
		out = append(out, s.Name)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func collectSysctls(proc string) map[string]Fact[string] {
	out := map[string]Fact[string]{}
	for _, name := range SysctlNames() {
		out[name] = readValue(filepath.Join(proc, "sys", strings.ReplaceAll(name, ".", "/")))
	}
	return out
}

func collectModules(proc string) Fact[[]string] {
	b, truncated, err := readCapped(filepath.Join(proc, "modules"), maxTableBytes)
	if err != nil {
		return unknown[[]string](why(err))
	}
	f := known(ParseModules(b))
	f.Truncated = truncated || len(f.Value) >= maxModules
	return f
}

// ParseModules returns the module names of /proc/modules (the first field of each line),
// sorted, at most maxModules.
func ParseModules(data []byte) []string {
	out := []string{}
	for line := range bytes.Lines(data) {
		if len(out) >= maxModules {
			break
		}
		if f := strings.Fields(string(line)); len(f) > 0 {
			out = append(out, f[0])
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// collectRoot reads the mount that holds root: "/" on a node; in container mode, where root
// is a staged directory, the mount of that directory (not the host's "/", which is not what
// the evidence describes).
func collectRoot(proc, root string) Fact[Mount] {
	b, _, err := readCapped(filepath.Join(proc, "self/mountinfo"), maxTableBytes)
	if err != nil {
		return unknown[Mount](why(err))
	}
	dir, err := filepath.Abs(root)
	if err == nil {
		dir, err = filepath.EvalSymlinks(dir)
	}
	if err != nil {
		return unknown[Mount](why(err))
	}
	m, err := MountOf(b, dir)
	if err != nil {
		return unknown[Mount](err.Error())
	}
	return known(m)
}

// RootMount returns the mount that is "/" in a mountinfo table: the last one listed, which
// covers those before it.
func RootMount(mountinfoData []byte) (Mount, error) { return MountOf(mountinfoData, "/") }
