package cairnctl

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/internal/evidence/attest"
	"github.com/cairn-os/cairn/internal/evidence/inventory"
	"github.com/cairn-os/cairn/pkg/machinery/api/evidence"
)

type evidenceInventoryFlags struct {
	out        printFlags
	signed, ca string
}

// nodeInventory is one node's verified inventory as -o json|yaml print it.
type nodeInventory struct {
	Node      string               `json:"node"`
	BootID    string               `json:"bootId"`
	Image     attest.Image         `json:"image"`
	Inventory *inventory.Inventory `json:"inventory"`
}

func newEvidenceInventoryCmd(g *globals) *cobra.Command {
	var f evidenceInventoryFlags
	cmd := &cobra.Command{
		Use:   "inventory",
		Short: "List every executable on the nodes' root with digests, build-ids, Go modules and FIPS settings (os:auditor)",
		Long: `List every executable of each target node's root file system (files with an execute bit, and
every ELF file, shared libraries included): path, size, sha256, ELF build-id, origin as the
image's SBOM records it, and for Go programs the main module, every dependency, GOFIPS140,
DefaultGODEBUG and the vcs settings of their build. The table shows one line per executable;
-o json or -o yaml print everything. Each node's reply is signed, and checked against the OS
CA and the request's nonce before it is printed; --signed FILE saves the signed statement
(which holds the inventory) for "cairnctl evidence verify" (one node only). It needs the
os:auditor role (or os:admin).`,
		Example: `  cairnctl evidence inventory --nodes 10.5.0.2,10.5.0.3
  cairnctl evidence inventory -n 10.5.0.2 -o json --signed inventory.dsse.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd, g) },
	}
	f.out.register(cmd)
	cmd.Flags().StringVar(&f.signed, "signed", "", "write the node's signed statement to FILE (one node)")
	cmd.Flags().StringVar(&f.ca, "ca", "", "verify against this OS CA certificate (PEM) instead of the client configuration's")
	return cmd
}

func (f *evidenceInventoryFlags) run(cmd *cobra.Command, g *globals) error {
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
	nonce := newNonce()
	resp, err := s.c.Evidence.Inventory(s.ctx(cmd.Context()), &evidence.InventoryRequest{Nonce: nonce})
	if err != nil {
		return apiError(err)
	}
	var errs nodeErrors
	var all []nodeInventory
	for _, m := range checkAll(resp.GetMessages(), &errs) {
		inv, err := f.verified(m, roots, nonce)
		if err != nil {
			return fmt.Errorf("node %s: %w", replyNode(m.GetMetadata()), err)
		}
		all = append(all, inv)
	}
	if err := f.print(cmd, all); err != nil {
		return err
	}
	return errs.err()
}

// verified checks one node's signed inventory and decodes it (and saves it with --signed).
func (f *evidenceInventoryFlags) verified(m *evidence.Inventory, roots *x509.CertPool, nonce string) (nodeInventory, error) {
	v, err := checkSigned(m.GetSigned(), roots, nonce, attest.KindInventory)
	if err != nil {
		return nodeInventory{}, err
	}
	p := v.Statement.Predicate
	if err := v.Statement.SubjectMatches(p.Body); err != nil {
		return nodeInventory{}, err
	}
	var inv inventory.Inventory
	if err := json.Unmarshal(p.Body, &inv); err != nil {
		return nodeInventory{}, fmt.Errorf("decode the inventory: %w", err)
	}
	if f.signed != "" {
		if err := writeFile(f.signed, m.GetSigned()); err != nil {
			return nodeInventory{}, err
		}
	}
	return nodeInventory{Node: p.Node, BootID: p.BootID, Image: p.Image, Inventory: &inv}, nil
}

func (f *evidenceInventoryFlags) print(cmd *cobra.Command, all []nodeInventory) error {
	if f.out.format != "table" {
		// Through JSON, so that YAML keys are the JSON names too.
		data, err := json.Marshal(all)
		if err != nil {
			return err
		}
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			return err
		}
		_, err = writeStructured(cmd.OutOrStdout(), f.out.format, v)
		return err
	}
	t := newTextTable(cmd.OutOrStdout(), "NODE", "PATH", "SIZE", "ORIGIN", "GO MAIN MODULE", "GOFIPS140", "BUILD-ID")
	for _, n := range all {
		for _, b := range n.Inventory.Binaries {
			main, fips := "-", "-"
			buildID := "-"
			if b.ELF != nil {
				if b.ELF.BuildID != "" {
					buildID = b.ELF.BuildID
				}
				if g := b.ELF.Go; g != nil {
					main, fips = g.Main.Path, g.Setting("GOFIPS140")
				}
			}
			t.row(n.Node, b.Path, strconv.FormatInt(b.Size, 10), dash(b.Origin), main, dash(fips), buildID)
		}
		if n.Inventory.Truncated != "" {
			t.row(n.Node, "(truncated: "+n.Inventory.Truncated+")", "", "", "", "", "")
		}
	}
	return t.flush()
}
