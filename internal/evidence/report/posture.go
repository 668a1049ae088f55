package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-os/cairn/internal/evidence/facts"
)

// factText is a fact's value as text, or "unknown: why".
func factText[T any](f facts.Fact[T], text func(T) string) string {
	if !f.Known() {
		return "unknown: " + f.Unknown
	}
	s := text(f.Value)
	if f.Truncated {
		s += " (truncated)"
	}
	return s
}

func same(s string) string { return s }

// Row is one fact of the posture summary.
type Row struct{ Fact, Value string }

// PostureSummary is what a reviewer looks at first, one fact per row: role, kernel, command
// line, lockdown, LSMs, the root mount, modules, each process's FIPS mode, each listening
// socket with its owner, each certificate with its expiry (soonest first) as of now.
func PostureSummary(s *facts.Snapshot, now time.Time) []Row {
	rows := []Row{
		{"role", orDash(s.Role)},
		{"kernel", factText(s.Kernel.Release, same)},
		{"cmdline", factText(s.Kernel.Cmdline, same)},
		{"lockdown", factText(s.Lockdown, same)},
		{"lsms", factText(s.LSMs, func(v []string) string { return strings.Join(v, ",") })},
		{"root", factText(s.Root, rootText)},
		{"modules", factText(s.Modules, func(v []string) string { return strconv.Itoa(len(v)) + " loaded" })},
	}
	if !s.Processes.Known() {
		rows = append(rows, Row{"fips", "unknown: " + s.Processes.Unknown})
	}
	for _, p := range s.Processes.Value {
		rows = append(rows, Row{"fips", fmt.Sprintf("%s (pid %d): %s", processName(p.Service, p.Comm), p.PID, fipsText(p.FIPS))})
	}
	if !s.Sockets.Known() {
		rows = append(rows, Row{"listen", "unknown: " + s.Sockets.Unknown})
	}
	for _, k := range s.Sockets.Value {
		owner := processName(k.Service, k.Comm)
		if k.PID == 0 {
			owner = "owner unknown: " + k.Owner
		}
		rows = append(rows, Row{"listen", fmt.Sprintf("%s %s -> %s", k.Proto, joinHostPort(k.Addr, k.Port), owner)})
	}
	if !s.Certificates.Known() {
		rows = append(rows, Row{"certificate", "unknown: " + s.Certificates.Unknown})
	}
	certs := slices.Clone(s.Certificates.Value)
	slices.SortStableFunc(certs, func(a, b facts.Certificate) int { return a.NotAfter.Compare(b.NotAfter) })
	for _, c := range certs {
		rows = append(rows, Row{"certificate", fmt.Sprintf("%s %s: %s", c.Path, c.Subject, expiryText(c.NotAfter, now))})
	}
	return rows
}

func rootText(m facts.Mount) string {
	ro := "read-write"
	if slices.Contains(strings.Split(m.Options, ","), "ro") {
		ro = "read-only"
	}
	return fmt.Sprintf("%s (%s %s on %s, %s)", ro, m.FSType, m.Source, m.Mountpoint, m.Options)
}

func processName(service, comm string) string {
	if service != "" {
		return service
	}
	return comm
}

func fipsText(f facts.FIPS) string {
	if f.Mode == "" {
		return "unknown: " + f.Unknown
	}
	s := f.Mode
	if f.Source != "" {
		s += " (" + f.Source + ")"
	}
	if f.Module != "" {
		s += ", module " + f.Module
	}
	return s
}

func joinHostPort(addr string, port uint16) string {
	if strings.Contains(addr, ":") {
		return "[" + addr + "]:" + strconv.Itoa(int(port))
	}
	return addr + ":" + strconv.Itoa(int(port))
}

// expiryText says when a certificate expires, and how long from now.
func expiryText(notAfter, now time.Time) string {
	d := notAfter.Sub(now)
	if d < 0 {
		return fmt.Sprintf("EXPIRED %s", notAfter.UTC().Format(time.DateOnly))
	}
	return fmt.Sprintf("expires %s (%d days)", notAfter.UTC().Format(time.DateOnly), int(d.Hours()/24))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
