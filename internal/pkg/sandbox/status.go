// Package sandbox restricts a service process: the parent prepares the thread it starts the
// service from (no_new_privs, a reduced capability bounding set), and the service verifies
// from /proc what it was given before it does anything else (Restrict).
package sandbox

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Status is the part of /proc/PID/status that describes a process's privileges.
type Status struct {
	// UID and GID are the real, effective, saved and filesystem ids.
	UID, GID [4]uint32
	// Groups are the supplementary groups.
	Groups []uint32
	// CapInh, CapPrm, CapEff, CapBnd and CapAmb are the capability sets.
	CapInh, CapPrm, CapEff, CapBnd, CapAmb uint64
	// NoNewPrivs is the no_new_privs flag.
	NoNewPrivs bool
	// Seccomp is the seccomp mode: 0 none, 1 strict, 2 filter (absent on a kernel without
	// seccomp: 0).
	Seccomp int
}

// required lists the fields ParseStatus must find.
var required = []string{"Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs"}

// ParseStatus parses /proc/PID/status. Every field of Status must be present.
func ParseStatus(r io.Reader) (Status, error) {
	var st Status
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		if err := st.set(key, val); err != nil {
			return Status{}, fmt.Errorf("status field %s: %q: %w", key, val, err)
		}
		seen[key] = true
	}
	if err := sc.Err(); err != nil {
		return Status{}, fmt.Errorf("read status: %w", err)
	}
	for _, k := range required {
		if !seen[k] {
			return Status{}, fmt.Errorf("status: field %s missing", k)
		}
	}
	return st, nil
}

func (st *Status) set(key, val string) error {
	var err error
	switch key {
	case "Uid":
		st.UID, err = parseIDs(val)
	case "Gid":
		st.GID, err = parseIDs(val)
	case "Groups":
		st.Groups, err = parseGroups(val)
	case "CapInh":
		st.CapInh, err = strconv.ParseUint(val, 16, 64)
	case "CapPrm":
		st.CapPrm, err = strconv.ParseUint(val, 16, 64)
	case "CapEff":
		st.CapEff, err = strconv.ParseUint(val, 16, 64)
	case "CapBnd":
		st.CapBnd, err = strconv.ParseUint(val, 16, 64)
	case "CapAmb":
		st.CapAmb, err = strconv.ParseUint(val, 16, 64)
	case "NoNewPrivs":
		switch val {
		case "0", "1":
			st.NoNewPrivs = val == "1"
		default:
			err = fmt.Errorf("want 0 or 1")
		}
	case "Seccomp":
		switch val {
		case "0", "1", "2":
			st.Seccomp = int(val[0] - '0')
		default:
			err = fmt.Errorf("want 0, 1 or 2")
		}
	}
	return err
}

func parseIDs(val string) ([4]uint32, error) {
	var ids [4]uint32
	f := strings.Fields(val)
	if len(f) != 4 {
		return ids, fmt.Errorf("%d ids, want 4", len(f))
	}
	for i, s := range f {
		v, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return ids, err
		}
		ids[i] = uint32(v)
	}
	return ids, nil
}

func parseGroups(val string) ([]uint32, error) {
	var out []uint32
	for _, s := range strings.Fields(val) {
		v, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return nil, err
		}
		out = append(out, uint32(v))
	}
	return out, nil
}
