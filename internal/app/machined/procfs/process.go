package procfs

import (
	"fmt"
	"strconv"
	"strings"
)

// Stat is what the API reports from /proc/PID/stat.
type Stat struct {
	PID, PPID int
	Command   string
	State     string
	Threads   int
	UTime     uint64 // clock ticks
	STime     uint64
	VSize     uint64 // bytes
	RSSPages  uint64
}

// ParseStat parses /proc/PID/stat. The command is in parentheses and may itself contain
// spaces and parentheses, so the fields are counted from the last ')'.
func ParseStat(data string) (Stat, error) {
	var s Stat
	open := strings.IndexByte(data, '(')
	end := strings.LastIndexByte(data, ')')
	if open < 0 || end < open {
		return s, fmt.Errorf("stat: no (command)")
	}
	pid, err := strconv.Atoi(strings.TrimSpace(data[:open]))
	if err != nil {
		return s, fmt.Errorf("stat: pid: %w", err)
	}
	s.PID, s.Command = pid, data[open+1:end]
	f := strings.Fields(data[end+1:])
	// f[0] is field 3 (state); field n is f[n-3].
	if len(f) < 22 {
		return s, fmt.Errorf("stat: %d fields after the command, want at least 22", len(f))
	}
	s.State = f[0]
	ints := []struct {
		field int
		dst   any
	}{{4, &s.PPID}, {14, &s.UTime}, {15, &s.STime}, {20, &s.Threads}, {23, &s.VSize}, {24, &s.RSSPages}}
	for _, x := range ints {
		v := f[x.field-3]
		switch d := x.dst.(type) {
		case *int:
			if *d, err = strconv.Atoi(v); err != nil {
				return s, fmt.Errorf("stat: field %d: %w", x.field, err)
			}
		case *uint64:
			if *d, err = strconv.ParseUint(v, 10, 64); err != nil {
				return s, fmt.Errorf("stat: field %d: %w", x.field, err)
			}
		}
	}
	return s, nil
}

// Cmdline renders /proc/PID/cmdline (NUL-separated) as a space-separated string.
func Cmdline(data []byte) string {
	return strings.TrimSpace(strings.ReplaceAll(string(data), "\x00", " "))
}
