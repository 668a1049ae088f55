package machined

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/internal/evidence/attest"
	"github.com/cairn-os/cairn/internal/evidence/checks"
	"github.com/cairn-os/cairn/internal/evidence/facts"
	"github.com/cairn-os/cairn/internal/evidence/oscal"
	"github.com/cairn-os/cairn/pkg/machinery/api/evidence"
)

// defaultCollectTimeout bounds one collection of the posture: it walks the image and reads
// every process, which takes seconds on a node; minutes mean something is stuck.
const defaultCollectTimeout = 2 * time.Minute

// takeTurn waits for the node's one evidence collection slot, or for ctx to end; release
// gives it back.
func (a *evidenceAPI) takeTurn(ctx context.Context) (release func(), err error) {
	select {
	case a.scanning <- struct{}{}:
		return func() { <-a.scanning }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// collect takes the collection turn and reads the node's facts, bounded by collectTimeout
// and ended early when the caller goes away (ctx).
func (a *evidenceAPI) collect(ctx context.Context) (facts.Snapshot, error) {
	release, err := a.takeTurn(ctx)
	if err != nil {
		return facts.Snapshot{}, err
	}
	defer release()
	ctx, cancel := context.WithTimeout(ctx, a.collectTimeout)
	defer cancel()
	start := time.Now()
	snap, err := facts.Collect(ctx, facts.Sources{Root: a.root, Proc: a.proc, Sys: a.sys, Role: a.role()})
	if errors.Is(err, context.DeadlineExceeded) {
		return facts.Snapshot{}, apierr.Unavailable("collecting the posture took more than %s", a.collectTimeout)
	}
	if err != nil {
		return facts.Snapshot{}, err
	}
	a.log.Info("posture collected", "processes", len(snap.Processes.Value), "sockets", len(snap.Sockets.Value),
		"certificates", len(snap.Certificates.Value), "took", time.Since(start).Round(time.Millisecond))
	return snap, nil
}

// Posture collects the node's facts and returns them as the body of a signed statement.
func (a *evidenceAPI) Posture(ctx context.Context, req *evidence.PostureRequest) (*evidence.PostureResponse, error) {
	if err := checkNonce(req.GetNonce()); err != nil {
		return nil, err
	}
	snap, err := a.collect(ctx)
	if err != nil {
		return nil, err
	}
	signed, err := a.signBody(attest.KindPosture, attest.SubjectPosture, "application/json", snap, req.GetNonce())
	if err != nil {
		return nil, err
	}
	return &evidence.PostureResponse{Messages: []*evidence.Posture{{Metadata: a.md(), Signed: signed}}}, nil
}

// Checks runs the native checks on a fresh collection and returns the results, in the format
// asked for, as the body of a signed statement whose subject names the format.
func (a *evidenceAPI) Checks(ctx context.Context, req *evidence.ChecksRequest) (*evidence.ChecksResponse, error) {
	if err := checkNonce(req.GetNonce()); err != nil {
		return nil, err
	}
	name, media, doc, err := a.checksDocument(ctx, req.GetFormat())
	if err != nil {
		return nil, err
	}
	signed, err := a.signBody(attest.KindChecks, name, media, doc, req.GetNonce())
	if err != nil {
		return nil, err
	}
	return &evidence.ChecksResponse{Messages: []*evidence.Checks{{Metadata: a.md(), Signed: signed}}}, nil
}

// checksDocument makes the document of one format: the static OSCAL documents directly, the
// results from a collection of the node's facts.
func (a *evidenceAPI) checksDocument(ctx context.Context, format evidence.ChecksFormat) (name, media string, doc any, err error) {
	switch format {
	case evidence.ChecksFormat_OSCAL_COMPONENT_DEFINITION:
		return oscal.ComponentDefinitionFile, oscal.MediaType, oscal.ComponentDefinition(), nil
	case evidence.ChecksFormat_OSCAL_ASSESSMENT_PLAN:
		return oscal.AssessmentPlanFile, oscal.MediaType, oscal.AssessmentPlan(), nil
	case evidence.ChecksFormat_NATIVE, evidence.ChecksFormat_KUBE_BENCH, evidence.ChecksFormat_OSCAL:
	default:
		return "", "", nil, apierr.Invalid("format %v: want NATIVE, KUBE_BENCH, OSCAL, OSCAL_COMPONENT_DEFINITION or OSCAL_ASSESSMENT_PLAN", format)
	}
	snap, err := a.collect(ctx)
	if err != nil {
		return "", "", nil, err
	}
	results := checks.Run(snap, checks.Options{})
	switch format {
	case evidence.ChecksFormat_NATIVE:
		return attest.SubjectChecks, "application/json", results, nil
	case evidence.ChecksFormat_KUBE_BENCH:
		return attest.SubjectKubeBench, "application/json", checks.ToKubeBench(results), nil
	}
	node, err := a.oscalNode(snap.Role)
	if err != nil {
		return "", "", nil, err
	}
	return oscal.AssessmentResultsFile, oscal.MediaType, oscal.AssessmentResults(results, node, snap.CollectedAt, time.Now()), nil
}

// oscalNode names the assessed node as the statement will: by its certificate's name and
// the running image.
func (a *evidenceAPI) oscalNode(role string) (oscal.Node, error) {
	s, err := a.signer()
	if err != nil {
		return oscal.Node{}, err
	}
	img := a.image()
	n := oscal.Node{Name: s.Node(), ImageVersion: img.Version, Role: role}
	if img.VerityRootHash != "" {
		n.ImageDigest = "dm-verity:" + img.VerityRootHash
	}
	return n, nil
}

// signBody encodes doc as JSON and signs it as the body of a statement whose subject is its
// digest.
func (a *evidenceAPI) signBody(kind, name, media string, doc any, nonce string) ([]byte, error) {
	body, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encode the %s: %w", name, err)
	}
	sum := sha256.Sum256(body)
	return a.sign(kind, name, sum[:], media, body, nonce)
}
