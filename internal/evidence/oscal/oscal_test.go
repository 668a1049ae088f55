package oscal

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/defenseunicorns/go-oscal/src/pkg/validation"

	"github.com/cairn-os/cairn/internal/evidence/checks"
	"github.com/cairn-os/cairn/internal/evidence/nodefixture"
)

// validate checks a document against the official OSCAL 1.2 JSON schema go-oscal carries.
func validate(t *testing.T, name string, doc any) []byte {
	t.Helper()
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	v, err := validation.NewValidator(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if v.GetSchemaVersion() != Version {
		t.Errorf("%s: schema %s, want %s", name, v.GetSchemaVersion(), Version)
	}
	if err := v.Validate(); err != nil {
		res, _ := v.GetValidationResult()
		out, _ := json.MarshalIndent(res, "", " ")
		if len(out) > 4000 {
			out = out[:4000]
		}
		t.Fatalf("%s does not validate: %v\n%s", name, err, out)
	}
	return data
}

// TestDocumentsValidate: the component definition, the plan and the results of a real
// control-plane run validate against the OSCAL schema, and the results record every check:
// a finding for each that applies, an excluded control for each N/A.
func TestDocumentsValidate(t *testing.T) {
	validate(t, "component definition", ComponentDefinition())
	validate(t, "assessment plan", AssessmentPlan())
	snap := nodefixture.Snapshot(t, true)
	// The fixture passes CIS 1.1.16; with its scheduler kubeconfig given to the scheduler, as
	// Cairn once did, the results have a FAIL to record.
	f := snap.Files["/etc/kubernetes/scheduler.conf"]
	f.UID, f.User = 63, "kube-scheduler"
	snap.Files[f.Path] = f
	rs := checks.Run(snap, checks.Options{})
	start := nodefixture.Now
	doc := AssessmentResults(rs, Node{Name: "cp-1", ImageVersion: "v0.1.0", ImageDigest: "sha256:00", Role: "controlplane"}, start, start.Add(time.Second))
	data := validate(t, "assessment results", doc)
	res := doc.AssessmentResults.Results[0]
	na, failed := 0, 0
	for _, r := range rs {
		if r.Verdict == checks.NA {
			na++
		}
	}
	for _, f := range *res.Findings {
		if f.Target.Status.State == "not-satisfied" && f.Target.Status.Reason == "fail" {
			failed++
		}
	}
	if len(*res.Observations) != len(rs) || len(*res.Findings) != len(rs)-na || len(*res.ReviewedControls.ControlSelections[0].ExcludeControls) != na {
		t.Errorf("%d observations, %d findings, want %d and %d", len(*res.Observations), len(*res.Findings), len(rs), len(rs)-na)
	}
	if failed == 0 {
		t.Error("no failed finding, though the run has a FAIL item")
	}
	again := AssessmentResults(rs, Node{Name: "cp-1", ImageVersion: "v0.1.0", ImageDigest: "sha256:00", Role: "controlplane"}, start, start.Add(time.Second))
	if b, _ := json.Marshal(again); string(b) != string(data) {
		t.Error("the same results give a different document")
	}
}

// TestValidatorRejects: the validation the tests rely on does fail a broken document (a
// control id that is not an OSCAL token, a finding without its state).
func TestValidatorRejects(t *testing.T) {
	rs := []checks.Result{{ID: "1.2.15", Benchmark: checks.CIS, Text: "t", Verdict: checks.Pass}}
	doc := AssessmentResults(rs, Node{Name: "n"}, nodefixture.Now, nodefixture.Now)
	f := &(*doc.AssessmentResults.Results[0].Findings)[0]
	f.Target.TargetId, f.Target.Status.State = "1.2.15", ""
	data, _ := json.Marshal(doc)
	v, err := validation.NewValidator(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Validate(); err == nil {
		t.Error("a document with target-id 1.2.15 and no state validates")
	}
}
