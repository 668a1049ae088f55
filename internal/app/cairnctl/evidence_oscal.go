package cairnctl

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/internal/evidence/bundle"
	"github.com/cairn-os/cairn/pkg/machinery/api/evidence"
)

type evidenceOSCALFlags struct {
	dir, ca string
}

// oscalFormats are the three OSCAL documents, in the order they refer to each other.
var oscalFormats = []evidence.ChecksFormat{
	evidence.ChecksFormat_OSCAL_COMPONENT_DEFINITION, evidence.ChecksFormat_OSCAL_ASSESSMENT_PLAN, evidence.ChecksFormat_OSCAL,
}

func newEvidenceOSCALCmd(g *globals) *cobra.Command {
	var f evidenceOSCALFlags
	cmd := &cobra.Command{
		Use:   "oscal -o DIR",
		Short: "Save a node's OSCAL 1.2 component definition, assessment plan and assessment results (os:auditor)",
		Long: `Save the OSCAL 1.2 documents of one node's checks in DIR (created if needed), under the
names by which they import each other: cairn-component-definition.json (every check Cairn
implements, as controls of the CIS Kubernetes Benchmark v1.12 and of Cairn's host checks),
cairn-assessment-plan.json (the node assesses itself against it; it imports the component
definition) and cairn-assessment-results.json (this run's observations and findings; it
imports the plan). Each is saved exactly as the node signed it, beside its signed statement
(FILE.dsse.json), so "cairnctl evidence verify DIR/FILE.dsse.json" checks both offline. All
three are checked against the OS CA and the request's nonce before anything is saved. It takes
one node and needs the os:auditor role (or os:admin).`,
		Example: `  cairnctl evidence oscal -n 10.5.0.2 -o oscal/`,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return f.run(cmd, g) },
	}
	cmd.Flags().StringVarP(&f.dir, "output", "o", "", "the directory to save the documents in (required)")
	cmd.Flags().StringVar(&f.ca, "ca", "", "verify against this OS CA certificate (PEM) instead of the client configuration's")
	return cmd
}

func (f *evidenceOSCALFlags) run(cmd *cobra.Command, g *globals) error {
	if f.dir == "" {
		return errors.New("--output DIR is required: the three documents are saved there")
	}
	roots, err := g.osCA(f.ca)
	if err != nil {
		return err
	}
	s, err := g.connect(nil)
	if err != nil {
		return err
	}
	defer s.Close()
	if len(s.nodes) > 1 {
		return fmt.Errorf("--nodes names %d nodes: the OSCAL documents come from one node; name one", len(s.nodes))
	}
	nonce := newNonce()
	var docs []nodeBody
	for _, format := range oscalFormats {
		var errs nodeErrors
		bodies, err := fetchChecks(cmd.Context(), s, roots, nonce, format, &errs)
		if err == nil {
			err = errs.err()
		}
		if err != nil {
			return err
		}
		docs = append(docs, bodies...)
	}
	if err := os.MkdirAll(f.dir, 0o750); err != nil {
		return err
	}
	for _, d := range docs {
		name := filepath.Join(f.dir, d.Verified.Statement.Subject[0].Name)
		if err := writeFile(name, d.Body()); err != nil {
			return err
		}
		if err := writeFile(bundle.StatementName(name), d.Signed); err != nil {
			return err
		}
		if _, err := fmt.Fprintf(cmd.ErrOrStderr(), "%s: %d bytes, signed by node %s\n", name, len(d.Body()), printable(d.Verified.Statement.Predicate.Node)); err != nil {
			return err
		}
	}
	return nil
}
