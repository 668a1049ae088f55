package probe

import (
	"fmt"
	"strconv"
	"strings"
)

// Proc is one process: `ps -e -o pid=,ppid=,rss=,comm=` on Debian, the Processes API on Cairn.
type Proc struct {
	PID, PPID int
	RSSBytes  int64
	Command   string
}

// ParsePS parses `ps -e -o pid=,ppid=,rss=,comm=` (RSS in KiB; the command may hold spaces).
func ParsePS(out string) ([]Proc, error) {
	var procs []Proc
	for i, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < 4 {
			return nil, fmt.Errorf("ps line %d: %q: want pid ppid rss command", i+1, line)
		}
		var n []int64
		for j, s := range f[:3] {
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil || v < 0 || v > 1<<40 {
				return nil, fmt.Errorf("ps line %d: field %d: %q is not a number in 0..2^40", i+1, j+1, s)
			}
			n = append(n, v)
		}
		procs = append(procs, Proc{PID: int(n[0]), PPID: int(n[1]), RSSBytes: n[2] * 1024, Command: strings.Join(f[3:], " ")})
	}
	if len(procs) == 0 {
		return nil, fmt.Errorf("ps output: no processes")
	}
	return procs, nil
}

// WithoutSSHSessions drops the processes of SSH sessions: every descendant of the listening
// sshd (the sshd whose parent is PID 1), so the measurement does not count itself.
func WithoutSSHSessions(procs []Proc) []Proc {
	children := map[int][]int{}
	listener := 0
	for _, p := range procs {
		children[p.PPID] = append(children[p.PPID], p.PID)
		if p.Command == "sshd" && p.PPID == 1 {
			listener = p.PID
		}
	}
	if listener == 0 {
		return procs
	}
	drop := map[int]bool{}
	stack := append([]int(nil), children[listener]...)
	for len(stack) > 0 {
		pid := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !drop[pid] {
			drop[pid] = true
			stack = append(stack, children[pid]...)
		}
	}
	var out []Proc
	for _, p := range procs {
		if !drop[p.PID] {
			out = append(out, p)
		}
	}
	return out
}

// UserSpace sums the RSS of the user-space processes and counts them; kernel threads
// (kthreadd, PID 2, and its children) are left out.
func UserSpace(procs []Proc) (rss int64, n int) {
	for _, p := range procs {
		if p.PID == 2 || p.PPID == 2 {
			continue
		}
		rss += p.RSSBytes
		n++
	}
	return rss, n
}
