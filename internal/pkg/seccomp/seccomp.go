// Package seccomp gives a service a system-call allowlist: a seccomp-BPF filter assembled in
// pure Go (elastic/go-seccomp-bpf, no libseccomp) from a reviewed list kept in this folder.
// Installed on every thread before the service serves; any other system call kills the
// process with SIGSYS, which the supervisor reports.
package seccomp

import (
	_ "embed"
	"fmt"
	"strings"

	bpf "github.com/elastic/go-seccomp-bpf"
)

// Profile is one service's allowlist.
type Profile struct {
	Name     string
	Syscalls []string
}

var (
	//go:embed apid.list
	apidList string
	//go:embed trustd.list
	trustdList string
)

// The services' profiles, from apid.list and trustd.list.
var (
	APID   = mustProfile("apid", apidList)
	Trustd = mustProfile("trustd", trustdList)
)

// ParseList reads an allowlist: one system call name per line; '#' starts a comment.
func ParseList(text string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for i, line := range strings.Split(text, "\n") {
		name, _, _ := strings.Cut(line, "#")
		name = strings.TrimSpace(name)
		switch {
		case name == "":
			continue
		case strings.ContainsFunc(name, func(r rune) bool { return (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' }):
			return nil, fmt.Errorf("line %d: %q is not a system call name", i+1, name)
		case seen[name]:
			return nil, fmt.Errorf("line %d: %q is listed twice", i+1, name)
		}
		seen[name] = true
		out = append(out, name)
	}
	return out, nil
}

func mustProfile(name, list string) Profile {
	calls, err := ParseList(list)
	if err != nil {
		panic(fmt.Sprintf("seccomp: %s.list: %v", name, err))
	}
	return Profile{Name: name, Syscalls: calls}
}

// policy is the filter of p: its calls are allowed, anything else kills the process.
func (p Profile) policy() bpf.Policy {
	return bpf.Policy{
		DefaultAction: bpf.ActionKillProcess,
		Syscalls:      []bpf.SyscallGroup{{Action: bpf.ActionAllow, Names: p.Syscalls}},
	}
}

// Install sets no_new_privs and loads p's filter on every thread of the process (TSYNC). It
// cannot be undone.
func Install(p Profile) error {
	f := bpf.Filter{NoNewPrivs: true, Flag: bpf.FilterFlagTSync, Policy: p.policy()}
	if err := bpf.LoadFilter(f); err != nil {
		return fmt.Errorf("seccomp allowlist %s: %w", p.Name, err)
	}
	return nil
}
