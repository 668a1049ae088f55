package sandbox

import (
	"errors"
	"fmt"
	"slices"

	"github.com/containerd/cgroups/v3/cgroup2"
)

// Limits are the resource limits of a service's cgroup; a zero field sets no limit.
type Limits struct {
	// MemoryMax is memory.max, in bytes: past it the kernel reclaims, then kills in the
	// cgroup (OOM).
	MemoryMax int64
	// PidsMax is pids.max: how many processes and threads the cgroup may hold.
	PidsMax int64
	// CPUWeight is cpu.weight, 1 to 10000 (the kernel's default is 100): the cgroup's share
	// of the CPU time when the CPUs are contended.
	CPUWeight uint64
}

// Validate checks each limit's range.
func (l Limits) Validate() error {
	var errs []error
	if l.MemoryMax < 0 {
		errs = append(errs, fmt.Errorf("memory.max %d: want 0 (no limit) or more bytes", l.MemoryMax))
	}
	if l.PidsMax < 0 {
		errs = append(errs, fmt.Errorf("pids.max %d: want 0 (no limit) or more", l.PidsMax))
	}
	if l.CPUWeight > 10000 {
		errs = append(errs, fmt.Errorf("cpu.weight %d: want 1 to 10000, or 0 (the default)", l.CPUWeight))
	}
	return errors.Join(errs...)
}

// limit is one limit of Limits: its file, its controller and how it goes into the library's
// resources.
type limit struct {
	file, controller string
	set              bool
	apply            func(*cgroup2.Resources)
}

func (l Limits) each() []limit {
	mem, weight := l.MemoryMax, l.CPUWeight
	return []limit{
		{"memory.max", "memory", mem > 0, func(r *cgroup2.Resources) { r.Memory = &cgroup2.Memory{Max: &mem} }},
		{"pids.max", "pids", l.PidsMax > 0, func(r *cgroup2.Resources) { r.Pids = &cgroup2.Pids{Max: l.PidsMax} }},
		{"cpu.weight", "cpu", weight > 0, func(r *cgroup2.Resources) { r.CPU = &cgroup2.CPU{Weight: &weight} }},
	}
}

// resources returns the library's resources of the limits whose controller is offered, and
// names the others.
func (l Limits) resources(offered []string) (*cgroup2.Resources, []string) {
	res := &cgroup2.Resources{}
	var unenforced []string
	for _, lim := range l.each() {
		switch {
		case !lim.set:
		case slices.Contains(offered, lim.controller):
			lim.apply(res)
		default:
			unenforced = append(unenforced, fmt.Sprintf("%s: the cgroup v2 hierarchy has no %s controller (bound to cgroup v1 on this host?)", lim.file, lim.controller))
		}
	}
	return res, unenforced
}

// Unenforced names every set limit with why it is not enforced (e.g. a service without a
// cgroup of its own); only, when not nil, keeps the limits of those controllers.
func (l Limits) Unenforced(why string, only ...string) []string {
	var out []string
	for _, lim := range l.each() {
		if lim.set && (only == nil || slices.Contains(only, lim.controller)) {
			out = append(out, lim.file+": "+why)
		}
	}
	return out
}
