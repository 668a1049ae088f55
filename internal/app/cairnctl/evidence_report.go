package cairnctl

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/internal/evidence/attest"
	"github.com/cairn-os/cairn/internal/evidence/bundle"
	"github.com/cairn-os/cairn/internal/evidence/facts"
	"github.com/cairn-os/cairn/internal/evidence/inventory"
	evreport "github.com/cairn-os/cairn/internal/evidence/report"
	"github.com/cairn-os/cairn/pkg/machinery/api/evidence"
)

type evidenceReportFlags struct {
	output, from, ca string
}

func newEvidenceReportCmd(g *globals) *cobra.Command {
	var f evidenceReportFlags
	cmd := &cobra.Command{
		Use:   "report -o FILE.html",
		Short: "Render a node's verified evidence as one self-contained HTML page (os:auditor)",
		Long: `Render one node's evidence as a single HTML page that needs nothing else to open (no script,
nothing loaded from elsewhere): the checks with their verdicts, counted and filterable by
verdict, the posture summary (kernel, lockdown, LSMs, root, FIPS mode per process, listening
sockets, certificate expiry) and the inventory summary (executables, Go programs with their
GOFIPS140 setting, origins). With --from BUNDLE it renders a bundle written by "cairnctl
evidence bundle", after verifying all of it offline; otherwise it asks the target node (one)
for its posture, checks and inventory, for one fresh nonce, and verifies each reply against the
OS CA first. Asking a node needs the os:auditor role (or os:admin).`,
		Example: `  cairnctl evidence report -n 10.5.0.2 -o node-a.html
  cairnctl evidence report --from node-a-evidence.tar.gz -o node-a.html --ca os-ca.crt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd, g) },
	}
	cmd.Flags().StringVarP(&f.output, "output", "o", "", "the HTML file to write (required)")
	cmd.Flags().StringVar(&f.from, "from", "", "render this bundle (verified offline) instead of asking a node")
	cmd.Flags().StringVar(&f.ca, "ca", "", "verify against this OS CA certificate (PEM) instead of the client configuration's")
	return cmd
}

func (f *evidenceReportFlags) run(cmd *cobra.Command, g *globals) error {
	if f.output == "" {
		return errors.New("--output FILE.html is required")
	}
	roots, err := g.osCA(f.ca)
	if err != nil {
		return err
	}
	var d evreport.Data
	var bodies map[string][]byte
	if f.from != "" {
		d, bodies, err = reportFromBundle(f.from, roots)
	} else {
		d, bodies, err = reportFromNode(cmd, g, roots)
	}
	if err != nil {
		return err
	}
	if err := decodeReportBodies(&d, bodies); err != nil {
		return err
	}
	d.Generated = time.Now()
	var buf bytes.Buffer
	if err := evreport.Render(&buf, d); err != nil {
		return err
	}
	if err := writeFile(f.output, buf.Bytes()); err != nil {
		return err
	}
	_, err = fmt.Fprintf(cmd.ErrOrStderr(), "%s: the evidence of node %s, %d checks\n", f.output, printable(d.Node), len(d.Results))
	return err
}

// reportFromBundle verifies a bundle and returns what the report shows of it.
func reportFromBundle(file string, roots *x509.CertPool) (evreport.Data, map[string][]byte, error) {
	fh, err := os.Open(file)
	if err != nil {
		return evreport.Data{}, nil, err
	}
	defer func() { _ = fh.Close() }()
	b, err := bundle.Read(fh)
	if err == nil {
		_, err = bundle.Verify(b, roots)
	}
	if err != nil {
		return evreport.Data{}, nil, fmt.Errorf("%s: %w", file, err)
	}
	idx := b.Index
	d := evreport.Data{Node: idx.Node, BootID: idx.BootID, Image: idx.Image, Nonce: idx.Nonce, Source: "bundle " + file}
	return d, b.Files, nil
}

// reportFromNode asks one node for the report's evidence, for one nonce, verifying each reply.
func reportFromNode(cmd *cobra.Command, g *globals, roots *x509.CertPool) (evreport.Data, map[string][]byte, error) {
	s, err := g.connect(nil)
	if err != nil {
		return evreport.Data{}, nil, err
	}
	defer s.Close()
	if len(s.nodes) > 1 {
		return evreport.Data{}, nil, fmt.Errorf("--nodes names %d nodes: a report shows one node; name one", len(s.nodes))
	}
	nonce := newNonce()
	var errs nodeErrors
	posture, err := fetchPosture(cmd.Context(), s, roots, nonce, &errs)
	if err = oneBody(posture, err, &errs); err != nil {
		return evreport.Data{}, nil, fmt.Errorf("posture: %w", err)
	}
	results, err := fetchChecks(cmd.Context(), s, roots, nonce, evidence.ChecksFormat_NATIVE, &errs)
	if err = oneBody(results, err, &errs); err != nil {
		return evreport.Data{}, nil, fmt.Errorf("checks: %w", err)
	}
	inv, err := fetchInventory(cmd.Context(), s, roots, nonce)
	if err != nil {
		return evreport.Data{}, nil, fmt.Errorf("inventory: %w", err)
	}
	p := posture[0].Verified.Statement.Predicate
	d := evreport.Data{Node: p.Node, BootID: p.BootID, Image: p.Image, Nonce: nonce, Source: "node " + replyNodeName(s)}
	return d, map[string][]byte{attest.SubjectPosture: posture[0].Body(), attest.SubjectChecks: results[0].Body(), inventoryFile: inv.Body()}, nil
}

func replyNodeName(s *session) string {
	if len(s.nodes) == 1 {
		return s.nodes[0]
	}
	return "(the endpoint)"
}

// decodeReportBodies decodes the posture, native results and inventory the report shows;
// a bundle without one of them gives a report without it.
func decodeReportBodies(d *evreport.Data, files map[string][]byte) error {
	decode := func(name string, v any) (bool, error) {
		data, ok := files[name]
		if !ok {
			return false, nil
		}
		if err := json.Unmarshal(data, v); err != nil {
			return false, fmt.Errorf("decode %s: %w", name, err)
		}
		return true, nil
	}
	var snap facts.Snapshot
	var inv inventory.Inventory
	if ok, err := decode(attest.SubjectPosture, &snap); err != nil {
		return err
	} else if ok {
		d.Posture = &snap
	}
	if ok, err := decode(inventoryFile, &inv); err != nil {
		return err
	} else if ok {
		d.Inventory = &inv
	}
	_, err := decode(attest.SubjectChecks, &d.Results)
	return err
}
