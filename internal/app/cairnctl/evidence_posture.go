package cairnctl

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/internal/evidence/attest"
	"github.com/cairn-os/cairn/internal/evidence/facts"
	evreport "github.com/cairn-os/cairn/internal/evidence/report"
)

type evidencePostureFlags struct {
	out        printFlags
	signed, ca string
}

// nodePosture is one node's verified posture as -o json|yaml print it.
type nodePosture struct {
	Node    string          `json:"node"`
	BootID  string          `json:"bootId"`
	Image   attest.Image    `json:"image"`
	Posture *facts.Snapshot `json:"posture"`
}

func newEvidencePostureCmd(g *globals) *cobra.Command {
	var f evidencePostureFlags
	cmd := &cobra.Command{
		Use:   "posture",
		Short: "Show the nodes' security posture: kernel, lockdown, LSMs, root, FIPS per process, sockets, certificates (os:auditor)",
		Long: `Collect each target node's security posture at this moment and show a summary: kernel release
and command line, kernel lockdown mode, active LSMs, whether the root is mounted read-only,
the FIPS 140-3 mode of each Go process that matters (Cairn's daemons, the Kubernetes
components), every listening socket with the service that owns it, and every certificate the
node holds with its expiry (never a key). -o json or -o yaml print the whole snapshot: the
sysctls Cairn sets, loaded modules, processes with their command lines, file modes and owners,
the Kubernetes components' settings. What the node could not read says "unknown" and why.
Each node's reply is signed, and checked against the OS CA and the request's nonce before it
is printed; --signed FILE saves the signed statement (which holds the posture) for "cairnctl
evidence verify" (one node only). It needs the os:auditor role (or os:admin).`,
		Example: `  cairnctl evidence posture --nodes 10.5.0.2,10.5.0.3
  cairnctl evidence posture -n 10.5.0.2 -o json --signed posture.dsse.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd, g) },
	}
	f.out.register(cmd)
	cmd.Flags().StringVar(&f.signed, "signed", "", "write the node's signed statement to FILE (one node)")
	cmd.Flags().StringVar(&f.ca, "ca", "", "verify against this OS CA certificate (PEM) instead of the client configuration's")
	return cmd
}

func (f *evidencePostureFlags) run(cmd *cobra.Command, g *globals) error {
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
	if f.signed != "" && len(s.nodes) > 1 {
		return fmt.Errorf("--signed saves one node's statement: --nodes names %d", len(s.nodes))
	}
	var errs nodeErrors
	bodies, err := fetchPosture(cmd.Context(), s, roots, newNonce(), &errs)
	if err != nil {
		return err
	}
	var all []nodePosture
	for _, b := range bodies {
		np, err := decodePosture(b)
		if err != nil {
			return err
		}
		if f.signed != "" {
			if err := writeFile(f.signed, b.Signed); err != nil {
				return err
			}
		}
		all = append(all, np)
	}
	if f.out.format != "table" {
		if err := printJSONOrYAML(cmd.OutOrStdout(), f.out.format, all); err != nil {
			return err
		}
		return errs.err()
	}
	t := newTextTable(cmd.OutOrStdout(), "NODE", "FACT", "VALUE")
	for _, n := range all {
		for _, r := range evreport.PostureSummary(n.Posture, time.Now()) {
			t.row(printable(n.Node), r.Fact, printable(r.Value))
		}
	}
	if err := t.flush(); err != nil {
		return err
	}
	return errs.err()
}

func decodePosture(b nodeBody) (nodePosture, error) {
	p := b.Verified.Statement.Predicate
	var snap facts.Snapshot
	if err := json.Unmarshal(b.Body(), &snap); err != nil {
		return nodePosture{}, fmt.Errorf("node %s: decode the posture: %w", p.Node, err)
	}
	return nodePosture{Node: p.Node, BootID: p.BootID, Image: p.Image, Posture: &snap}, nil
}
