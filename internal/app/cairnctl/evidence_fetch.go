package cairnctl

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"

	"github.com/cairn-os/cairn/internal/evidence/attest"
	"github.com/cairn-os/cairn/internal/evidence/oscal"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/evidence"
)

// signedReply is one node's reply that carries its evidence in a signed statement's body.
type signedReply interface {
	GetMetadata() *common.Metadata
	GetSigned() []byte
}

// nodeBody is one node's verified evidence: the statement and the body it signed.
type nodeBody struct {
	Verified *attest.Verified
	Signed   []byte
}

// Body is the evidence the node signed.
func (b nodeBody) Body() []byte { return b.Verified.Statement.Predicate.Body }

// verifyBody checks a statement carrying its evidence in its body: signed by a node of the OS
// CA, for this nonce, of the kind and subject asked for, and the body is the subject.
func verifyBody(signed []byte, roots *x509.CertPool, nonce, kind, subject string) (nodeBody, error) {
	v, err := checkSigned(signed, roots, nonce, kind)
	if err != nil {
		return nodeBody{}, err
	}
	st := v.Statement
	if st.Subject[0].Name != subject {
		return nodeBody{}, fmt.Errorf("%w: the statement is about %q, want %q", attest.ErrInvalid, st.Subject[0].Name, subject)
	}
	if err := st.SubjectMatches(st.Predicate.Body); err != nil {
		return nodeBody{}, err
	}
	return nodeBody{Verified: v, Signed: signed}, nil
}

// verifyAll verifies every node's reply; a reply that does not verify ends the command, so
// nothing unverified is printed. Nodes that answered with an error go to errs.
func verifyAll[T signedReply](msgs []T, errs *nodeErrors, roots *x509.CertPool, nonce, kind, subject string) ([]nodeBody, error) {
	var out []nodeBody
	for _, m := range checkAll(msgs, errs) {
		b, err := verifyBody(m.GetSigned(), roots, nonce, kind, subject)
		if err != nil {
			return nil, fmt.Errorf("node %s: %w", replyNode(m.GetMetadata()), err)
		}
		out = append(out, b)
	}
	return out, nil
}

// checksSubjects is the statement subject of each checks format.
var checksSubjects = map[evidence.ChecksFormat]string{
	evidence.ChecksFormat_NATIVE:                     attest.SubjectChecks,
	evidence.ChecksFormat_KUBE_BENCH:                 attest.SubjectKubeBench,
	evidence.ChecksFormat_OSCAL:                      oscal.AssessmentResultsFile,
	evidence.ChecksFormat_OSCAL_COMPONENT_DEFINITION: oscal.ComponentDefinitionFile,
	evidence.ChecksFormat_OSCAL_ASSESSMENT_PLAN:      oscal.AssessmentPlanFile,
}

// fetchPosture asks the session's nodes for their posture and verifies each reply.
func fetchPosture(ctx context.Context, s *session, roots *x509.CertPool, nonce string, errs *nodeErrors) ([]nodeBody, error) {
	resp, err := s.c.Evidence.Posture(s.ctx(ctx), &evidence.PostureRequest{Nonce: nonce})
	if err != nil {
		return nil, apiError(err)
	}
	return verifyAll(resp.GetMessages(), errs, roots, nonce, attest.KindPosture, attest.SubjectPosture)
}

// fetchChecks asks the session's nodes for the checks in one format and verifies each reply.
func fetchChecks(ctx context.Context, s *session, roots *x509.CertPool, nonce string, format evidence.ChecksFormat, errs *nodeErrors) ([]nodeBody, error) {
	resp, err := s.c.Evidence.Checks(s.ctx(ctx), &evidence.ChecksRequest{Nonce: nonce, Format: format})
	if err != nil {
		return nil, apiError(err)
	}
	return verifyAll(resp.GetMessages(), errs, roots, nonce, attest.KindChecks, checksSubjects[format])
}

// printJSONOrYAML prints v (through JSON, so that YAML keys are the JSON names too).
func printJSONOrYAML(w io.Writer, format string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var generic any
	if err := json.Unmarshal(data, &generic); err != nil {
		return err
	}
	_, err = writeStructured(w, format, generic)
	return err
}
