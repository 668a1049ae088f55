package cairnctl

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/internal/evidence/attest"
	"github.com/cairn-os/cairn/pkg/machinery/api/evidence"
)

type evidenceSBOMFlags struct {
	format, output, signed, ca string
}

func newEvidenceSBOMCmd(g *globals) *cobra.Command {
	var f evidenceSBOMFlags
	cmd := &cobra.Command{
		Use:   "sbom",
		Short: "Get the image's SBOM (SPDX 2.3 or CycloneDX 1.6 JSON) from one node, signed (os:auditor)",
		Long: `Get the software bill of materials of the image the target node runs, as its image build
made it: every file of the root with its origin, the kernel (Debian purl and CPE), every
Debian package, every Go program with its modules (golang purls, the Go toolchain as stdlib,
GOFIPS140 and the other build settings as properties). Scanners read it as it is (grype
sbom:FILE, trivy sbom FILE). The document goes to stdout, or to FILE with -o, and is checked
against the size, sha256 and signed statement the node sends last; with -o, the signed
statement is saved as FILE.dsse.json (or --signed) for "cairnctl evidence verify". It takes one
node (--nodes names at most one) and needs the os:auditor role (or os:admin).`,
		Example: `  cairnctl evidence sbom --nodes 10.5.0.2 -o node.spdx.json
  cairnctl evidence sbom --format cyclonedx -n 10.5.0.2 > node.cdx.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd, g) },
	}
	cmd.Flags().StringVar(&f.format, "format", "spdx", "spdx (SPDX 2.3 JSON) or cyclonedx (CycloneDX 1.6 JSON)")
	cmd.Flags().StringVarP(&f.output, "output", "o", "", "write the SBOM to FILE instead of stdout")
	cmd.Flags().StringVar(&f.signed, "signed", "", "write the signed statement to FILE (default: the -o file with .dsse.json added)")
	cmd.Flags().StringVar(&f.ca, "ca", "", "verify against this OS CA certificate (PEM) instead of the client configuration's")
	return cmd
}

func (f *evidenceSBOMFlags) run(cmd *cobra.Command, g *globals) error {
	format, ok := map[string]evidence.SBOMFormat{"spdx": evidence.SBOMFormat_SPDX, "cyclonedx": evidence.SBOMFormat_CYCLONEDX}[strings.ToLower(f.format)]
	if !ok {
		return fmt.Errorf("--format %q: want spdx or cyclonedx", f.format)
	}
	if f.signed == "" && f.output != "" {
		f.signed = f.output + ".dsse.json"
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
		return fmt.Errorf("--nodes names %d nodes: an SBOM comes from one node; name one", len(s.nodes))
	}
	doc, signed, v, err := fetchSBOM(cmd.Context(), s, roots, newNonce(), format)
	if err != nil {
		return err
	}
	return f.save(cmd, doc, signed, v)
}

// fetchSBOM receives one node's SBOM and checks it against the signed statement that ends
// the stream.
func fetchSBOM(ctx context.Context, s *session, roots *x509.CertPool, nonce string, format evidence.SBOMFormat) ([]byte, []byte, *attest.Verified, error) {
	stream, err := s.c.Evidence.SBOM(s.ctx(ctx), &evidence.SBOMRequest{Format: format, Nonce: nonce})
	if err != nil {
		return nil, nil, nil, apiError(err)
	}
	var doc bytes.Buffer
	last, err := receiveChunks(stream, &doc, &progress{w: io.Discard, every: time.Hour}, "SBOM")
	if err != nil {
		return nil, nil, nil, fmt.Errorf("SBOM not received: %w", err)
	}
	v, err := checkSigned(last.GetSigned(), roots, nonce, attest.KindSBOM)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := v.Statement.SubjectMatches(doc.Bytes()); err != nil {
		return nil, nil, nil, err
	}
	return doc.Bytes(), last.GetSigned(), v, nil
}

func (f *evidenceSBOMFlags) save(cmd *cobra.Command, doc, signed []byte, v *attest.Verified) error {
	if f.output == "" {
		_, err := cmd.OutOrStdout().Write(doc)
		if err == nil && f.signed != "" {
			err = writeFile(f.signed, signed)
		}
		return err
	}
	if err := writeFile(f.output, doc); err != nil {
		return err
	}
	if err := writeFile(f.signed, signed); err != nil {
		return err
	}
	p := v.Statement.Predicate
	_, err := fmt.Fprintf(cmd.ErrOrStderr(), "%s: %d bytes of %s from node %s (image %s), signed by the node; statement in %s\n",
		f.output, len(doc), p.MediaType, printable(p.Node), printable(p.Image.Version), f.signed)
	return err
}
