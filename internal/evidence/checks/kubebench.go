package checks

import "slices"

// The kube-bench JSON format: the field names and their order follow what kube-bench v0.15.1
// prints with --json, so tools that read kube-bench's output read the node's. kube-bench
// itself is not imported.

// KubeBench is the whole report: one Controls per node type, and the totals.
type KubeBench struct {
	Controls []*KubeBenchControls `json:"Controls"`
	Totals   KubeBenchSummary     `json:"Totals"`
}

// KubeBenchControls are the results of one benchmark target (master, etcd, ...).
type KubeBenchControls struct {
	ID       string            `json:"id"`
	Version  string            `json:"version"`
	Text     string            `json:"text"`
	NodeType string            `json:"node_type"`
	Groups   []*KubeBenchGroup `json:"tests"`
	KubeBenchSummary
}

// KubeBenchGroup is one group of checks ("1.2 API Server").
type KubeBenchGroup struct {
	ID     string            `json:"section"`
	Type   string            `json:"type"`
	Pass   int               `json:"pass"`
	Fail   int               `json:"fail"`
	Warn   int               `json:"warn"`
	Info   int               `json:"info"`
	Text   string            `json:"desc"`
	Checks []*KubeBenchCheck `json:"results"`
}

// KubeBenchCheck is one check; AuditEnv, AuditConfig and IsMultiple keep the untagged names
// kube-bench's output carries.
type KubeBenchCheck struct {
	ID             string   `json:"test_number"`
	Text           string   `json:"test_desc"`
	Audit          string   `json:"audit"`
	AuditEnv       string   `json:"AuditEnv"`
	AuditConfig    string   `json:"AuditConfig"`
	Type           string   `json:"type"`
	Remediation    string   `json:"remediation"`
	TestInfo       []string `json:"test_info"`
	Status         string   `json:"status"`
	ActualValue    string   `json:"actual_value"`
	Scored         bool     `json:"scored"`
	IsMultiple     bool     `json:"IsMultiple"`
	ExpectedResult string   `json:"expected_result"`
	Reason         string   `json:"reason,omitempty"`
}

// KubeBenchSummary counts the statuses.
type KubeBenchSummary struct {
	Pass int `json:"total_pass"`
	Fail int `json:"total_fail"`
	Warn int `json:"total_warn"`
	Info int `json:"total_info"`
}

// targets are kube-bench's node types in its order, with their titles; "host" holds Cairn's
// own checks.
var targets = []struct{ id, nodeType, text string }{
	{"1", "master", "Control Plane Security Configuration"},
	{"2", "etcd", "Etcd Node Configuration"},
	{"3", "controlplane", "Control Plane Configuration"},
	{"4", "node", "Worker Node Security Configuration"},
	{"H", "host", "Cairn Host Self-Checks"},
}

var groupTitles = map[string]string{
	"1.1": "Control Plane Node Configuration Files", "1.2": "API Server", "1.3": "Controller Manager", "1.4": "Scheduler",
	"2": "Etcd Node Configuration", "3.1": "Authentication and Authorization", "3.2": "Logging",
	"4.1": "Worker Node Configuration Files", "4.2": "Kubelet", "4.3": "kube-proxy", "H": "Host",
}

// ToKubeBench arranges results (as Run returns them) as kube-bench's JSON report. N/A
// becomes INFO with type "skip" and the reason, as kube-bench reports a skipped check; a
// manual item's type is "manual".
func ToKubeBench(results []Result) KubeBench {
	var out KubeBench
	for _, t := range targets {
		c := &KubeBenchControls{ID: t.id, Version: CIS, Text: t.text, NodeType: t.nodeType, Groups: []*KubeBenchGroup{}}
		if t.nodeType == "host" {
			c.Version = Host
		}
		for _, r := range results {
			if r.NodeType != t.nodeType {
				continue
			}
			g := group(c, r.Group)
			kc := kubeBenchCheck(r)
			g.Checks = append(g.Checks, kc)
			count(&g.Pass, &g.Fail, &g.Warn, &g.Info, kc.Status)
			count(&c.Pass, &c.Fail, &c.Warn, &c.Info, kc.Status)
			count(&out.Totals.Pass, &out.Totals.Fail, &out.Totals.Warn, &out.Totals.Info, kc.Status)
		}
		if len(c.Groups) > 0 {
			out.Controls = append(out.Controls, c)
		}
	}
	return out
}

func group(c *KubeBenchControls, id string) *KubeBenchGroup {
	if i := slices.IndexFunc(c.Groups, func(g *KubeBenchGroup) bool { return g.ID == id }); i >= 0 {
		return c.Groups[i]
	}
	g := &KubeBenchGroup{ID: id, Text: groupTitles[id], Checks: []*KubeBenchCheck{}}
	c.Groups = append(c.Groups, g)
	return g
}

func kubeBenchCheck(r Result) *KubeBenchCheck {
	kc := &KubeBenchCheck{ID: r.ID, Text: r.Text, Audit: r.Audit, Remediation: r.Remediation,
		TestInfo: []string{r.Remediation}, Status: string(r.Verdict), ActualValue: r.Actual, Scored: r.Scored,
		ExpectedResult: r.Expected}
	if !r.Scored {
		kc.Type = "manual"
	}
	if r.Verdict == NA {
		kc.Status, kc.Type, kc.Reason = string(Info), "skip", r.Reason
	}
	return kc
}

func count(pass, fail, warn, info *int, status string) {
	switch Verdict(status) {
	case Pass:
		*pass++
	case Fail:
		*fail++
	case Warn:
		*warn++
	default:
		*info++
	}
}
