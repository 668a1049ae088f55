package auditlog

import (
	"net"
	"slices"
	"time"

	"github.com/cairn-os/cairn/pkg/machinery/audit"
)

// otherSources is the aggregate of the sources beyond Options.MaxSources.
const otherSources = "(other sources)"

// maxSamples bounds the methods and subjects an aggregate keeps as examples.
const maxSamples, maxSampleLen = 8, 256

// Per window, at most fullPerSource refusals from one source and fullPerWindow in all are
// written in full; the others are counted.
const fullPerSource, fullPerWindow = 8, 32

// refusals counts, per source, the refused calls with unverified claims of the current window
// that were not written one by one. Its memory is bounded by the number of sources.
type refusals struct {
	max      int
	full     int // written in full in this window
	bySource map[string]*source
	order    []string
}

type source struct {
	full int
	agg  audit.Refusals
}

func newRefusals(maxSources int) *refusals {
	return &refusals{max: maxSources, bySource: map[string]*source{}}
}

// admit says whether the event is to be written in full (its source and the window have quota
// left); otherwise it counts it in its source's aggregate.
func (r *refusals) admit(e audit.Event, now time.Time) bool {
	src := sourceOf(e.Caller.Address)
	if _, ok := r.bySource[src]; !ok && len(r.bySource) >= r.max {
		src = otherSources
	}
	s, ok := r.bySource[src]
	if !ok {
		s = &source{agg: audit.Refusals{Source: src}}
		r.bySource[src] = s
		r.order = append(r.order, src)
	}
	if src != otherSources && s.full < fullPerSource && r.full < fullPerWindow {
		s.full++
		r.full++
		return true
	}
	s.count(e, now)
	return false
}

func (s *source) count(e audit.Event, now time.Time) {
	now = now.UTC()
	if s.agg.Count == 0 {
		s.agg.First = now
	}
	s.agg.Count++
	s.agg.Last = now
	s.agg.Methods = sample(s.agg.Methods, e.Method)
	s.agg.Subjects = sample(s.agg.Subjects, e.Caller.Subject)
}

func sample(list []string, s string) []string {
	s = s[:min(len(s), maxSampleLen)]
	if len(list) >= maxSamples || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// drain returns the aggregates with a count, oldest source first, and starts a new window.
func (r *refusals) drain() []*audit.Refusals {
	var out []*audit.Refusals
	for _, src := range r.order {
		if s := r.bySource[src]; s.agg.Count > 0 {
			out = append(out, &s.agg)
		}
	}
	r.bySource, r.order, r.full = map[string]*source{}, nil, 0
	return out
}

// sourceOf is the host part of a peer address: refusals from one host count together, whatever
// port each connection came from.
func sourceOf(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	if addr == "" {
		return "(unknown)"
	}
	return addr
}
