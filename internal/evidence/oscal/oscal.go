// Package oscal writes the node's check results as an OSCAL 1.2 assessment-results document,
// with the static component definition (what Cairn implements: every check) and assessment
// plan (what is assessed, how) it refers to, using the OSCAL types of
// github.com/defenseunicorns/go-oscal. Control IDs are "cis-1.2.15" for CIS Kubernetes
// Benchmark v1.12 items and "cairn-h.4" for host checks. UUIDs are derived from names and
// inputs, so the same inputs give the same documents.
package oscal

import (
	"crypto/sha256"
	"strings"
	"time"

	"github.com/google/uuid"

	oscaltypes "github.com/defenseunicorns/go-oscal/src/types/oscal-1-2-2"

	"github.com/cairn-os/cairn/internal/evidence/checks"
)

// Version is the OSCAL version written.
const Version = oscaltypes.Version

// File names under which the three documents refer to each other (the plan imports the
// component definition, the results import the plan).
const (
	ComponentDefinitionFile = "cairn-component-definition.json"
	AssessmentPlanFile      = "cairn-assessment-plan.json"
	// AssessmentResultsFile is what cairnctl saves the results as, beside the other two.
	AssessmentResultsFile = "cairn-assessment-results.json"
)

// MediaType is the media type of OSCAL JSON documents.
const MediaType = "application/oscal+json"

// Sources of the controls: the CIS benchmark and Cairn's own host checks.
const (
	cisSource  = "https://www.cisecurity.org/benchmark/kubernetes"
	hostSource = "urn:cairn:host-checks:1"
	propNS     = "urn:cairn:oscal"
)

// published is the date of the static documents' content (bump it when the checks change).
var published = time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)

// id derives a UUID from parts: the same inputs give the same document. It hashes with
// SHA-256, not SHA-1 as name-based (version 5) UUIDs do: SHA-1 is not allowed in FIPS 140-only
// mode (cairn.fips=strict), where using it panics. OSCAL accepts only version 4 and 5 UUIDs,
// so the result carries the version 4 and variant bits; its other 122 bits are the hash's.
func id(parts ...string) string {
	sum := sha256.Sum256([]byte("urn:cairn:evidence:oscal\x00" + strings.Join(parts, "\x00")))
	var u uuid.UUID
	copy(u[:], sum[:16])
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return u.String()
}

// ControlID is the OSCAL control id of a check.
func ControlID(r checks.Result) string {
	if r.Benchmark == checks.Host {
		return "cairn-" + strings.ToLower(r.ID)
	}
	return "cis-" + r.ID
}

func metadata(title, version string, modified time.Time) oscaltypes.Metadata {
	return oscaltypes.Metadata{Title: title, Version: version, OscalVersion: Version, LastModified: modified}
}

func props(kv ...string) *[]oscaltypes.Property {
	var out []oscaltypes.Property
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			out = append(out, oscaltypes.Property{Name: kv[i], Value: kv[i+1], Ns: propNS})
		}
	}
	return &out
}

// nodeComponent is the UUID of the Cairn node component in every document.
var nodeComponent = id("component", "cairn-node")

// ComponentDefinition is the static component definition: the Cairn node, implementing
// every CIS item and host check the checks package evaluates.
func ComponentDefinition() oscaltypes.OscalModels {
	var sets []oscaltypes.ControlImplementationSet
	for _, src := range []struct{ bench, source, desc string }{
		{checks.CIS, cisSource, "CIS Kubernetes Benchmark v1.12, checked natively on the node (sections 1-3 on a control plane, 4 on every node)"},
		{checks.Host, hostSource, "Cairn's host self-checks: an immutable, shell-less node"},
	} {
		set := oscaltypes.ControlImplementationSet{UUID: id("set", src.bench), Source: src.source, Description: src.desc}
		for _, d := range checks.Definitions() {
			if d.Benchmark != src.bench {
				continue
			}
			set.ImplementedRequirements = append(set.ImplementedRequirements, oscaltypes.ImplementedRequirementControlImplementation{
				UUID: id("requirement", d.ID), ControlId: ControlID(d), Description: d.Text + ". Expected: " + d.Expected + ".",
				Props: props("check-id", d.ID, "node-type", d.NodeType, "audit", d.Audit), Remarks: d.Remediation,
			})
		}
		sets = append(sets, set)
	}
	return oscaltypes.OscalModels{ComponentDefinition: &oscaltypes.ComponentDefinition{
		UUID:     id("component-definition"),
		Metadata: metadata("Cairn node: CIS Kubernetes Benchmark and host controls", "1", published),
		Components: &[]oscaltypes.DefinedComponent{{
			UUID: nodeComponent, Type: "software", Title: "Cairn node",
			Description:            "An immutable, shell-less, API-managed OS for Kubernetes nodes; machined runs the Kubernetes components as supervised services.",
			Purpose:                "Kubernetes node operating system",
			ControlImplementations: &sets,
		}},
	}}
}

// AssessmentPlan is the static plan: every check is assessed automatically by the node
// itself, against the component definition.
func AssessmentPlan() oscaltypes.OscalModels {
	var include []oscaltypes.AssessedControlsSelectControlById
	for _, d := range checks.Definitions() {
		include = append(include, oscaltypes.AssessedControlsSelectControlById{ControlId: ControlID(d)})
	}
	return oscaltypes.OscalModels{AssessmentPlan: &oscaltypes.AssessmentPlan{
		UUID:      id("assessment-plan"),
		Metadata:  metadata("Cairn node self-assessment plan", "1", published),
		ImportSsp: oscaltypes.ImportSsp{Href: ComponentDefinitionFile, Remarks: "Cairn nodes have no system security plan of their own; the component definition takes its place."},
		ReviewedControls: oscaltypes.ReviewedControls{
			Description:       "The controls of the component definition that apply to the node's role.",
			ControlSelections: []oscaltypes.AssessedControls{{IncludeControls: &include}},
		},
		AssessmentSubjects: &[]oscaltypes.AssessmentSubject{{
			Type: "component", Description: "The Cairn node that answers the evidence API.",
			IncludeSubjects: &[]oscaltypes.SelectSubjectById{{SubjectUuid: nodeComponent, Type: "component"}},
		}},
		Tasks: &[]oscaltypes.Task{{
			UUID: id("task", "checks"), Type: "action", Title: "Native checks",
			Description: "machined collects a snapshot of the node's facts and evaluates every check on it, at each request of the evidence API.",
		}},
	}}
}
