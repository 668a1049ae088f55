package cairnctl

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc/codes"

	"github.com/cairn-os/cairn/internal/evidence/attest"
	"github.com/cairn-os/cairn/internal/evidence/bundle"
	"github.com/cairn-os/cairn/pkg/machinery/api/evidence"
)

type evidenceBundleFlags struct {
	output, ca string
}

func newEvidenceBundleCmd(g *globals) *cobra.Command {
	var f evidenceBundleFlags
	cmd := &cobra.Command{
		Use:   "bundle -o FILE.tar.gz",
		Short: "Save all of one node's signed evidence in one archive an auditor takes away (os:auditor)",
		Long: `Get every piece of evidence from one node, all for one fresh nonce, and save them in one
gzip-compressed tar archive: the image's SBOM in SPDX 2.3 and CycloneDX 1.6, the binary
inventory, the posture, the checks' results (native, kube-bench JSON and OSCAL assessment
results) and the static OSCAL component definition and assessment plan. Each file is saved
exactly as the node signed it, beside its signed statement (FILE.dsse.json); index.json lists
them with their sizes and sha256, and README.md says the same for people. Every reply is
checked against the OS CA and the nonce before the archive is written; "cairnctl evidence
verify FILE.tar.gz" checks the whole bundle again offline. An image without an SBOM gives a
bundle without one (with a warning). It needs the os:auditor role (or os:admin).`,
		Example: `  cairnctl evidence bundle -n 10.5.0.2 -o node-a-evidence.tar.gz`,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return f.run(cmd, g) },
	}
	cmd.Flags().StringVarP(&f.output, "output", "o", "", "the archive to write (required)")
	cmd.Flags().StringVar(&f.ca, "ca", "", "verify against this OS CA certificate (PEM) instead of the client configuration's")
	return cmd
}

func (f *evidenceBundleFlags) run(cmd *cobra.Command, g *globals) error {
	if f.output == "" {
		return errors.New("--output FILE.tar.gz is required")
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
		return fmt.Errorf("--nodes names %d nodes: a bundle holds one node's evidence; name one", len(s.nodes))
	}
	entries, err := collectBundle(cmd, s, roots, newNonce())
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	idx, err := bundle.Write(&buf, entries, roots, time.Now())
	if err != nil {
		return err
	}
	if err := writeFile(f.output, buf.Bytes()); err != nil {
		return err
	}
	_, err = fmt.Fprintf(cmd.ErrOrStderr(), "%s: %d pieces of evidence from node %s (image %s), each signed by the node, %d bytes\n",
		f.output, len(idx.Files), printable(idx.Node), printable(idx.Image.Version), buf.Len())
	return err
}

// collectBundle gets every piece of evidence for one nonce, each verified as it arrives.
func collectBundle(cmd *cobra.Command, s *session, roots *x509.CertPool, nonce string) ([]bundle.Entry, error) {
	ctx := cmd.Context()
	var entries []bundle.Entry
	for _, sb := range []struct {
		format      evidence.SBOMFormat
		name, title string
	}{
		{evidence.SBOMFormat_SPDX, "sbom.spdx.json", "the image's SBOM, SPDX 2.3 JSON"},
		{evidence.SBOMFormat_CYCLONEDX, "sbom.cdx.json", "the image's SBOM, CycloneDX 1.6 JSON"},
	} {
		doc, signed, _, err := fetchSBOM(ctx, s, roots, nonce, sb.format)
		if errorCode(err) == codes.NotFound {
			_, _ = fmt.Fprintf(cmd.ErrOrStderr(), "warning: no %s: %v\n", sb.name, err)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sb.name, err)
		}
		entries = append(entries, bundle.Entry{Name: sb.name, Title: sb.title, Data: doc, Signed: signed})
	}
	inv, err := fetchInventory(ctx, s, roots, nonce)
	if err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	entries = append(entries, bundle.Entry{Name: inventoryFile, Title: "the inventory of every executable", Data: inv.Body(), Signed: inv.Signed})
	var errs nodeErrors
	posture, err := fetchPosture(ctx, s, roots, nonce, &errs)
	if err = oneBody(posture, err, &errs); err != nil {
		return nil, fmt.Errorf("posture: %w", err)
	}
	entries = append(entries, bundle.Entry{Name: attest.SubjectPosture, Title: "the node's posture", Data: posture[0].Body(), Signed: posture[0].Signed})
	for _, c := range []struct {
		format evidence.ChecksFormat
		title  string
	}{
		{evidence.ChecksFormat_NATIVE, "the checks' results, Cairn's JSON"},
		{evidence.ChecksFormat_KUBE_BENCH, "the checks' results, kube-bench JSON"},
		{evidence.ChecksFormat_OSCAL, "the checks' results, OSCAL 1.2 assessment results"},
		{evidence.ChecksFormat_OSCAL_ASSESSMENT_PLAN, "OSCAL 1.2 assessment plan (static)"},
		{evidence.ChecksFormat_OSCAL_COMPONENT_DEFINITION, "OSCAL 1.2 component definition (static)"},
	} {
		var errs nodeErrors
		bodies, err := fetchChecks(ctx, s, roots, nonce, c.format, &errs)
		if err = oneBody(bodies, err, &errs); err != nil {
			return nil, fmt.Errorf("checks %v: %w", c.format, err)
		}
		entries = append(entries, bundle.Entry{Name: checksSubjects[c.format], Title: c.title, Data: bodies[0].Body(), Signed: bodies[0].Signed})
	}
	return entries, nil
}

// oneBody turns a one-node fetch's outcome into one error: the call's, the node's, or none.
func oneBody(bodies []nodeBody, err error, errs *nodeErrors) error {
	if err != nil {
		return err
	}
	if err := errs.err(); err != nil {
		return err
	}
	if len(bodies) != 1 {
		return fmt.Errorf("%d replies, want one node's", len(bodies))
	}
	return nil
}

// fetchInventory asks one node for its inventory and verifies it.
func fetchInventory(ctx context.Context, s *session, roots *x509.CertPool, nonce string) (nodeBody, error) {
	resp, err := s.c.Evidence.Inventory(s.ctx(ctx), &evidence.InventoryRequest{Nonce: nonce})
	if err != nil {
		return nodeBody{}, apiError(err)
	}
	var errs nodeErrors
	bodies, err := verifyAll(resp.GetMessages(), &errs, roots, nonce, attest.KindInventory, "inventory")
	if err = oneBody(bodies, err, &errs); err != nil {
		return nodeBody{}, err
	}
	return bodies[0], nil
}

// inventoryFile is the inventory's name in a bundle.
const inventoryFile = "inventory.json"
