package cairnctl

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/internal/evidence/attest"
	"github.com/cairn-os/cairn/internal/evidence/checks"
	"github.com/cairn-os/cairn/pkg/machinery/api/evidence"
)

type evidenceChecksFlags struct {
	out                printFlags
	format, signed, ca string
}

// nodeCheckResults is one node's verified native results as -o json|yaml print them.
type nodeCheckResults struct {
	Node    string          `json:"node"`
	BootID  string          `json:"bootId"`
	Image   attest.Image    `json:"image"`
	Results []checks.Result `json:"results"`
}

var checksFormats = map[string]evidence.ChecksFormat{
	"native": evidence.ChecksFormat_NATIVE, "kube-bench": evidence.ChecksFormat_KUBE_BENCH, "oscal": evidence.ChecksFormat_OSCAL,
}

func newEvidenceChecksCmd(g *globals) *cobra.Command {
	var f evidenceChecksFlags
	cmd := &cobra.Command{
		Use:   "checks",
		Short: "Run the node's native CIS Kubernetes Benchmark and host checks; native, kube-bench or OSCAL output (os:auditor)",
		Long: `Have each target node collect its posture and judge it: Cairn's host checks (no shell, no
setuid file, no SSH server, read-only root, sysctls, listening sockets) and the CIS Kubernetes
Benchmark v1.12 items for its role (section 4 on every node running Kubernetes, sections 1-3
on a control plane). Each result has an id, text, expected and actual values, a verdict (PASS,
FAIL, WARN, INFO or N/A) and a remediation, or the reason it does not apply.

--format native (the default) shows a table of id, verdict and text, or the full results with
-o json or -o yaml. --format kube-bench prints the JSON kube-bench prints with --json, and
--format oscal an OSCAL 1.2 assessment-results document (which imports the assessment plan
"cairnctl evidence oscal" saves); both take one node and print JSON unless -o yaml. The last
line (on stderr for JSON and YAML) counts the verdicts; the exit status does not depend on
them. Each reply is signed, and checked against the OS CA and the request's nonce before it is
printed; --signed FILE saves the signed statement for "cairnctl evidence verify" (one node). It
needs the os:auditor role (or os:admin).`,
		Example: `  cairnctl evidence checks --nodes 10.5.0.2
  cairnctl evidence checks -n 10.5.0.2 --format kube-bench > kube-bench.json
  cairnctl evidence checks -n 10.5.0.2 --format oscal --signed results.dsse.json > results.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd, g) },
	}
	f.out.register(cmd)
	cmd.Flags().StringVar(&f.format, "format", "native", "native, kube-bench or oscal")
	cmd.Flags().StringVar(&f.signed, "signed", "", "write the node's signed statement to FILE (one node)")
	cmd.Flags().StringVar(&f.ca, "ca", "", "verify against this OS CA certificate (PEM) instead of the client configuration's")
	return cmd
}

func (f *evidenceChecksFlags) run(cmd *cobra.Command, g *globals) error {
	format, ok := checksFormats[strings.ToLower(f.format)]
	if !ok {
		return fmt.Errorf("--format %q: want native, kube-bench or oscal", f.format)
	}
	if err := f.out.check(); err != nil {
		return err
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
	if len(s.nodes) > 1 && (f.signed != "" || format != evidence.ChecksFormat_NATIVE) {
		return fmt.Errorf("--format %s and --signed take one node: --nodes names %d", f.format, len(s.nodes))
	}
	var errs nodeErrors
	bodies, err := fetchChecks(cmd.Context(), s, roots, newNonce(), format, &errs)
	if err != nil {
		return err
	}
	if f.signed != "" && len(bodies) == 1 {
		if err := writeFile(f.signed, bodies[0].Signed); err != nil {
			return err
		}
	}
	if format == evidence.ChecksFormat_NATIVE {
		err = f.printNative(cmd, bodies)
	} else {
		err = f.printDocument(cmd, format, bodies)
	}
	if err != nil {
		return err
	}
	return errs.err()
}

func (f *evidenceChecksFlags) printNative(cmd *cobra.Command, bodies []nodeBody) error {
	var all []nodeCheckResults
	for _, b := range bodies {
		p := b.Verified.Statement.Predicate
		n := nodeCheckResults{Node: p.Node, BootID: p.BootID, Image: p.Image}
		if err := json.Unmarshal(b.Body(), &n.Results); err != nil {
			return fmt.Errorf("node %s: decode the results: %w", p.Node, err)
		}
		all = append(all, n)
	}
	if f.out.format != "table" {
		if err := printJSONOrYAML(cmd.OutOrStdout(), f.out.format, all); err != nil {
			return err
		}
		return printSummaries(cmd.ErrOrStderr(), all)
	}
	t := newTextTable(cmd.OutOrStdout(), "NODE", "ID", "VERDICT", "TEXT")
	for _, n := range all {
		for _, r := range n.Results {
			t.row(printable(n.Node), printable(r.ID), string(r.Verdict), printable(r.Text))
		}
	}
	if err := t.flush(); err != nil {
		return err
	}
	return printSummaries(cmd.OutOrStdout(), all)
}

// printDocument prints one node's kube-bench or OSCAL document as JSON (indented) or YAML.
func (f *evidenceChecksFlags) printDocument(cmd *cobra.Command, format evidence.ChecksFormat, bodies []nodeBody) error {
	if len(bodies) == 0 {
		return nil
	}
	b := bodies[0]
	var doc any
	if err := json.Unmarshal(b.Body(), &doc); err != nil {
		return fmt.Errorf("decode the %s document: %w", f.format, err)
	}
	out := f.out.format
	if out == "table" {
		out = "json"
	}
	if _, err := writeStructured(cmd.OutOrStdout(), out, doc); err != nil {
		return err
	}
	counts, err := documentCounts(format, b.Body())
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(cmd.ErrOrStderr(), "%s: %s\n", printable(b.Verified.Statement.Predicate.Node), counts)
	return err
}

// verdictCounts counts results by verdict, in a fixed order.
type verdictCounts map[checks.Verdict]int

func (c verdictCounts) String() string {
	total := 0
	var parts []string
	for _, v := range []checks.Verdict{checks.Pass, checks.Fail, checks.Warn, checks.Info, checks.NA} {
		total += c[v]
		parts = append(parts, fmt.Sprintf("%d %s", c[v], v))
	}
	return fmt.Sprintf("%d checks: %s", total, strings.Join(parts, ", "))
}

func countVerdicts(rs []checks.Result) verdictCounts {
	c := verdictCounts{}
	for _, r := range rs {
		c[r.Verdict]++
	}
	return c
}

func printSummaries(w io.Writer, all []nodeCheckResults) error {
	for _, n := range all {
		if _, err := fmt.Fprintf(w, "%s: %s\n", printable(n.Node), countVerdicts(n.Results)); err != nil {
			return err
		}
	}
	return nil
}

// documentCounts counts the verdicts a kube-bench report or OSCAL results document records
// (kube-bench reports N/A as INFO; the OSCAL observations keep each check's verdict).
func documentCounts(format evidence.ChecksFormat, body []byte) (verdictCounts, error) {
	c := verdictCounts{}
	if format == evidence.ChecksFormat_KUBE_BENCH {
		var kb checks.KubeBench
		if err := json.Unmarshal(body, &kb); err != nil {
			return nil, fmt.Errorf("decode the kube-bench report: %w", err)
		}
		c[checks.Pass], c[checks.Fail], c[checks.Warn], c[checks.Info] = kb.Totals.Pass, kb.Totals.Fail, kb.Totals.Warn, kb.Totals.Info
		return c, nil
	}
	var doc struct {
		AR struct {
			Results []struct {
				Observations []struct {
					Props []struct{ Name, Value string } `json:"props"`
				} `json:"observations"`
			} `json:"results"`
		} `json:"assessment-results"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("decode the OSCAL assessment results: %w", err)
	}
	for _, r := range doc.AR.Results {
		for _, o := range r.Observations {
			for _, p := range o.Props {
				if p.Name == "verdict" {
					c[checks.Verdict(p.Value)]++
				}
			}
		}
	}
	return c, nil
}
