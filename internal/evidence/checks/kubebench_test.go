package checks

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cairn-os/cairn/internal/evidence/nodefixture"
)

// TestKubeBenchJSON: the report has kube-bench's shape (its field names, node types in its
// order, totals that add up), N/A items read as kube-bench's skipped checks, and a reader
// written against kube-bench's documented output decodes it.
func TestKubeBenchJSON(t *testing.T) {
	rs := Run(nodefixture.Snapshot(t, true), Options{})
	data, err := json.Marshal(ToKubeBench(rs))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Controls []struct {
			ID       string `json:"id"`
			Version  string `json:"version"`
			NodeType string `json:"node_type"`
			Pass     int    `json:"total_pass"`
			Fail     int    `json:"total_fail"`
			Warn     int    `json:"total_warn"`
			Info     int    `json:"total_info"`
			Tests    []struct {
				Section string `json:"section"`
				Desc    string `json:"desc"`
				Results []map[string]any
			} `json:"tests"`
		}
		Totals map[string]int
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var types []string
	total, results := 0, 0
	for _, c := range doc.Controls {
		types = append(types, c.NodeType)
		total += c.Pass + c.Fail + c.Warn + c.Info
		for _, g := range c.Tests {
			if g.Desc == "" {
				t.Errorf("group %s has no description", g.Section)
			}
			for _, r := range g.Results {
				results++
				for _, k := range []string{"test_number", "test_desc", "audit", "AuditEnv", "AuditConfig", "type", "remediation",
					"test_info", "status", "actual_value", "scored", "IsMultiple", "expected_result"} {
					if _, ok := r[k]; !ok {
						t.Errorf("check %v lacks %q", r["test_number"], k)
					}
				}
				if r["test_number"] == "1.1.9" && (r["status"] != "INFO" || r["type"] != "skip" || r["reason"] == "") {
					t.Errorf("1.1.9 (N/A) = %v, want a skipped INFO with its reason", r)
				}
			}
		}
	}
	if got := strings.Join(types, ","); got != "master,etcd,controlplane,node,host" {
		t.Errorf("node types = %s", got)
	}
	sum := doc.Totals["total_pass"] + doc.Totals["total_fail"] + doc.Totals["total_warn"] + doc.Totals["total_info"]
	if results != len(rs) || total != len(rs) || sum != len(rs) {
		t.Errorf("%d results, controls count %d, totals %d; want %d each", results, total, sum, len(rs))
	}
}
