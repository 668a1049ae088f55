package oscal

import (
	"time"

	oscaltypes "github.com/defenseunicorns/go-oscal/src/types/oscal-1-2-2"

	"github.com/cairn-os/cairn/internal/evidence/checks"
)

// Node identifies the assessed node in the results.
type Node struct {
	Name         string
	ImageVersion string
	ImageDigest  string
	Role         string
}

// AssessmentResults records results (as checks.Run returns them) of node, assessed from
// start to end. Each check becomes an observation (what was read: expected and actual);
// each check that applies also a finding on its control: PASS is satisfied, FAIL, WARN and
// INFO are not satisfied (reason fail or other). N/A items are excluded from the reviewed
// controls, their reason kept in their observation.
func AssessmentResults(results []checks.Result, node Node, start, end time.Time) oscaltypes.OscalModels {
	start, end = start.UTC(), end.UTC()
	runID := node.Name + "\x00" + start.Format(time.RFC3339Nano)
	var observations []oscaltypes.Observation
	var findings []oscaltypes.Finding
	var include, exclude []oscaltypes.AssessedControlsSelectControlById
	subject := &[]oscaltypes.SubjectReference{{SubjectUuid: nodeComponent, Type: "component", Title: node.Name}}
	for _, r := range results {
		ctl := ControlID(r)
		obs := observation(r, id("observation", runID, r.ID), end, subject)
		observations = append(observations, obs)
		if r.Verdict == checks.NA {
			exclude = append(exclude, oscaltypes.AssessedControlsSelectControlById{ControlId: ctl})
			continue
		}
		include = append(include, oscaltypes.AssessedControlsSelectControlById{ControlId: ctl})
		findings = append(findings, finding(r, ctl, id("finding", runID, r.ID), obs.UUID))
	}
	sel := oscaltypes.AssessedControls{Description: "The checks that apply to the node's role.", IncludeControls: &include}
	if len(exclude) > 0 {
		sel.ExcludeControls = &exclude
	}
	result := oscaltypes.Result{
		UUID: id("result", runID), Title: "Cairn node checks: " + node.Name, Start: start, End: &end,
		Description:      "Native checks evaluated by the node on a snapshot of its own facts.",
		ReviewedControls: oscaltypes.ReviewedControls{ControlSelections: []oscaltypes.AssessedControls{sel}},
		Props:            props("node", node.Name, "role", node.Role, "image-version", node.ImageVersion, "image-digest", node.ImageDigest),
		Observations:     &observations,
	}
	if len(findings) > 0 {
		result.Findings = &findings
	}
	return oscaltypes.OscalModels{AssessmentResults: &oscaltypes.AssessmentResults{
		UUID:     id("assessment-results", runID),
		Metadata: metadata("Cairn node assessment results: "+node.Name, node.ImageVersion+"", end),
		ImportAp: oscaltypes.ImportAp{Href: AssessmentPlanFile},
		Results:  []oscaltypes.Result{result},
	}}
}

func observation(r checks.Result, uuid string, at time.Time, subject *[]oscaltypes.SubjectReference) oscaltypes.Observation {
	method := "TEST"
	if !r.Scored {
		method = "EXAMINE"
	}
	evidence := "expected: " + r.Expected + "; actual: " + r.Actual
	if r.Verdict == checks.NA {
		evidence = "not applicable: " + r.Reason
	}
	return oscaltypes.Observation{
		UUID: uuid, Title: r.ID + " " + r.Text, Description: r.Text, Collected: at, Methods: []string{method},
		Subjects: subject, RelevantEvidence: &[]oscaltypes.RelevantEvidence{{Description: evidence}},
		Props: props("check-id", r.ID, "verdict", string(r.Verdict), "audit", r.Audit),
	}
}

func finding(r checks.Result, ctl, uuid, obs string) oscaltypes.Finding {
	status := oscaltypes.ObjectiveStatus{State: "not-satisfied", Reason: "other", Remarks: string(r.Verdict) + ": " + r.Actual}
	switch r.Verdict {
	case checks.Pass:
		status = oscaltypes.ObjectiveStatus{State: "satisfied", Reason: "pass"}
	case checks.Fail:
		status.Reason = "fail"
	}
	return oscaltypes.Finding{
		UUID: uuid, Title: r.ID + " " + r.Text, Description: r.Text,
		Target:              oscaltypes.FindingTarget{Type: "objective-id", TargetId: ctl, Status: status},
		RelatedObservations: &[]oscaltypes.RelatedObservation{{ObservationUuid: obs}},
		Props:               props("verdict", string(r.Verdict)),
		Remarks:             r.Remediation,
	}
}
