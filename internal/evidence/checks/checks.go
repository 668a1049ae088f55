package checks

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/cairn-os/cairn/internal/evidence/facts"
)

// Verdict is a check's outcome.
type Verdict string

// Verdicts. FAIL is for an automated (scored) item whose test fails; a manual item whose test
// fails is WARN, as kube-bench reports it. WARN also marks a check that could not be carried
// out (a fact was unknown). N/A carries the reason in Result.Reason.
const (
	Pass Verdict = "PASS"
	Fail Verdict = "FAIL"
	Warn Verdict = "WARN"
	Info Verdict = "INFO"
	NA   Verdict = "N/A"
)

// Benchmarks the results belong to.
const (
	CIS  = "cis-1.12"
	Host = "cairn-host-1"
)

// Result is one check's outcome.
type Result struct {
	// ID is the CIS item ("1.2.15") or the host check ("H.4"); Group the CIS group ("1.2",
	// "2", "H").
	ID        string `json:"id"`
	Group     string `json:"group"`
	Benchmark string `json:"benchmark"`
	// NodeType is kube-bench's target: master, etcd, controlplane, node, or host.
	NodeType string `json:"nodeType"`
	Text     string `json:"text"`
	// Scored items are "Automated" in the benchmark; the others need a person's judgement.
	Scored      bool    `json:"scored"`
	Audit       string  `json:"audit"`
	Expected    string  `json:"expected"`
	Actual      string  `json:"actual"`
	Verdict     Verdict `json:"verdict"`
	Reason      string  `json:"reason,omitempty"`
	Remediation string  `json:"remediation"`
}

// Options adjust the checks to the node's policy.
type Options struct {
	// Listeners replaces DefaultListeners: the sockets the node may listen on.
	Listeners []Listener
}

// Role names.
const (
	RoleControlPlane = "controlplane"
	RoleWorker       = "worker"
)

// Run evaluates every check that applies to the snapshot's node: the host checks always,
// CIS section 4 wherever Kubernetes is configured or runs, sections 1-3 on a control plane.
// The results are sorted by ID (numerically within dotted IDs); Run is deterministic.
func Run(s facts.Snapshot, opts Options) []Result {
	e := newEnv(s, opts)
	defs := slices.Concat(hostChecks, nodeChecks)
	if e.role == RoleControlPlane {
		defs = slices.Concat(defs, masterFileChecks, apiServerChecks, managerChecks, etcdChecks, policyChecks)
	}
	out := make([]Result, 0, len(defs))
	for _, d := range defs {
		out = append(out, d.run(e))
	}
	slices.SortFunc(out, func(a, b Result) int { return CompareIDs(a.ID, b.ID) })
	return out
}

// CompareIDs orders dotted IDs part by part, numbers numerically and before words
// ("1.1.2" < "1.1.10" < "4.1" < "H.1").
func CompareIDs(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		na, ea := strconv.Atoi(pa[i])
		nb, eb := strconv.Atoi(pb[i])
		switch {
		case ea == nil && eb == nil:
			if c := cmp.Compare(na, nb); c != 0 {
				return c
			}
		case ea == nil:
			return -1
		case eb == nil:
			return 1
		default:
			if c := strings.Compare(pa[i], pb[i]); c != 0 {
				return c
			}
		}
	}
	return cmp.Compare(len(pa), len(pb))
}

// def is a check: its fixed description and how it judges a snapshot.
type def struct {
	id, text    string
	scored      bool
	audit       string
	expected    string
	remediation string
	eval        func(e *env) outcome
}

// outcome is what eval found: ok (or na, or unknown) with the actual value.
type outcome struct {
	ok      bool
	actual  string
	na      string // the reason the item does not apply
	unknown string // why the check could not be carried out
	info    bool   // the check reports, it does not judge
	warn    bool   // a finding that needs a person's review rather than a fix
}

func (d def) run(e *env) Result {
	group, nodeType, bench := groupOf(d.id)
	r := Result{ID: d.id, Group: group, Benchmark: bench, NodeType: nodeType, Text: d.text, Scored: d.scored,
		Audit: d.audit, Expected: d.expected, Remediation: d.remediation}
	o := d.eval(e)
	r.Actual = o.actual
	switch {
	case o.na != "":
		r.Verdict, r.Reason = NA, o.na
	case o.unknown != "":
		r.Verdict, r.Actual = Warn, "unknown: "+o.unknown
	case o.info:
		r.Verdict = Info
	case o.ok:
		r.Verdict = Pass
	case o.warn || !d.scored:
		r.Verdict = Warn
	default:
		r.Verdict = Fail
	}
	return r
}

// groupOf derives an ID's group, kube-bench node type and benchmark.
func groupOf(id string) (group, nodeType, bench string) {
	parts := strings.Split(id, ".")
	switch parts[0] {
	case "H":
		return "H", "host", Host
	case "1":
		return parts[0] + "." + parts[1], "master", CIS
	case "2":
		return "2", "etcd", CIS
	case "3":
		return parts[0] + "." + parts[1], "controlplane", CIS
	}
	return parts[0] + "." + parts[1], "node", CIS
}

func pass(actual string) outcome       { return outcome{ok: true, actual: actual} }
func fail(actual string) outcome       { return outcome{actual: actual} }
func result(ok bool, a string) outcome { return outcome{ok: ok, actual: a} }
func na(reason string) outcome         { return outcome{na: reason} }
func unknownOf(why string) outcome     { return outcome{unknown: why} }

// Definitions describes every check, whatever the node (the fixed fields of a Result; no
// verdict), sorted by ID: what the static OSCAL component definition and plan list.
func Definitions() []Result {
	defs := slices.Concat(hostChecks, nodeChecks, masterFileChecks, apiServerChecks, managerChecks, etcdChecks, policyChecks)
	out := make([]Result, 0, len(defs))
	for _, d := range defs {
		group, nodeType, bench := groupOf(d.id)
		out = append(out, Result{ID: d.id, Group: group, Benchmark: bench, NodeType: nodeType, Text: d.text, Scored: d.scored,
			Audit: d.audit, Expected: d.expected, Remediation: d.remediation})
	}
	slices.SortFunc(out, func(a, b Result) int { return CompareIDs(a.ID, b.ID) })
	return out
}
