package config

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// sizeUnits are the units of a disk size, in bytes.
var sizeUnits = map[string]int64{"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
	"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}

var sizeRe = regexp.MustCompile(`^(<=|>=)?\s*([0-9]{1,15})\s*([A-Za-z]{1,3})$`)

// SizeMatch is a parsed machine.install.diskSelector.size.
type SizeMatch struct {
	Op    string // "", "<=" or ">="
	Bytes int64
}

// ParseSizeMatch parses a disk size selector such as "8GiB" or ">= 100GB".
func ParseSizeMatch(s string) (SizeMatch, error) {
	m := sizeRe.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return SizeMatch{}, fmt.Errorf("is not a disk size (want an optional <= or >=, a whole number and a unit: B, kB, MB, GB, TB, KiB, MiB, GiB, TiB)")
	}
	unit, ok := sizeUnits[m[3]]
	if !ok {
		return SizeMatch{}, fmt.Errorf("has the unit %q: want B, kB, MB, GB, TB, KiB, MiB, GiB or TiB", m[3])
	}
	n, _ := strconv.ParseInt(m[2], 10, 64) // at most 15 digits
	if n > math.MaxInt64/unit {
		return SizeMatch{}, fmt.Errorf("is too large")
	}
	return SizeMatch{Op: m[1], Bytes: n * unit}, nil
}

// Matches says whether a disk of size bytes matches.
func (m SizeMatch) Matches(size int64) bool {
	switch m.Op {
	case "<=":
		return size <= m.Bytes
	case ">=":
		return size >= m.Bytes
	}
	return size == m.Bytes
}
