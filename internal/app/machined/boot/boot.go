// Package boot is the start of machined as PID 1 on a real kernel: a readable list of named
// phases (mounts, modules, sysctls, RNG, disks, network, hostname, resolvers, time, config), plus the
// PID-1 duties: reaping zombies, the ACPI power button and the one fatal path.
package boot

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/cairn-os/cairn/internal/pkg/cmdline"
)

// Result is what the boot phases found out; machined continues from it.
type Result struct {
	Hostname  string
	Addresses []netip.Prefix
	Resolvers []netip.Addr
	// ConfigURL is the cairn.config= kernel argument; Config its fetched content. Both are
	// empty when no config was offered: machined then starts in maintenance mode.
	ConfigURL string
	Config    []byte
	// Cmdline is the parsed kernel command line.
	Cmdline *cmdline.Cmdline
}

// task is one step of a phase. An optional task logs its failure and boot goes on; an
// essential one stops the boot (the caller takes the fatal path).
type task struct {
	name     string
	optional bool
	run      func(ctx context.Context, s *state) error
}

// phase is a named group of tasks, run in order.
type phase struct {
	name  string
	tasks []task
}

// state is shared by the tasks of one boot.
type state struct {
	log    *slog.Logger
	res    *Result
	ntp    []netip.Addr
	dhcpFn func(ctx context.Context)
}

// phases is the boot, in order.
func phases() []phase {
	return []phase{
		{"mounts", []task{{name: "mount filesystems", run: mountAll}}},
		{"kernel", []task{
			{name: "load modules", run: loadModules},
			{name: "sysctls", optional: true, run: applySysctls},
			{name: "rng", optional: true, run: waitRNG},
		}},
		{"disks", []task{
			{name: "state and ephemeral", run: mountDisks},
			{name: "efi system partition", optional: true, run: mountESP},
			{name: "trial watchdog", optional: true, run: armTrialWatchdog},
		}},
		{"etc", []task{{name: "etc overlay", run: etcOverlay}}},
		{"network", []task{
			{name: "loopback", run: loopback},
			{name: "links", run: configureLinks},
			{name: "hostname", optional: true, run: setHostname},
			{name: "resolvers", optional: true, run: writeResolvers},
		}},
		{"time", []task{{name: "ntp", optional: true, run: syncTime}}},
		{"config", []task{{name: "acquire", run: acquireConfig}}},
	}
}

// Run performs the boot phases and returns what machined needs next. In metal mode
// machined's standard streams are /dev/console (set up by /init), so log reaches the serial
// console as well as machined's log ring.
func Run(ctx context.Context, log *slog.Logger) (*Result, error) {
	log = log.With("component", "boot")
	cl, err := cmdline.Read()
	if err != nil {
		return nil, fmt.Errorf("read kernel command line: %w", err)
	}
	s := &state{log: log, res: &Result{Cmdline: cl}}
	start := time.Now()
	for _, p := range phases() {
		pstart := time.Now()
		for _, t := range p.tasks {
			if err := t.run(ctx, s); err != nil {
				if !t.optional {
					return s.res, fmt.Errorf("boot phase %s, task %s: %w", p.name, t.name, err)
				}
				log.Warn("optional boot task failed; going on", "phase", p.name, "task", t.name, "error", err)
			}
		}
		log.Info("boot phase done", "phase", p.name, "took", time.Since(pstart).Round(time.Millisecond))
	}
	if s.dhcpFn != nil {
		go s.dhcpFn(ctx)
	}
	log.Info("boot done", "took", time.Since(start).Round(time.Millisecond), "hostname", s.res.Hostname,
		"addresses", fmt.Sprint(s.res.Addresses), "config", s.res.ConfigURL != "")
	return s.res, nil
}
