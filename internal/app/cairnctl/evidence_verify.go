package cairnctl

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/internal/evidence/attest"
)

type evidenceVerifyFlags struct {
	subject, nonce, ca string
}

func newEvidenceVerifyCmd(g *globals) *cobra.Command {
	var f evidenceVerifyFlags
	cmd := &cobra.Command{
		Use:   "verify FILE",
		Short: "Verify a node's signed evidence offline against the OS CA",
		Long: `Verify a signed statement saved by "cairnctl evidence sbom -o" (FILE.dsse.json) or
"cairnctl evidence inventory --signed", with no connection to any node: the DSSE signature is
the key's of a node certificate the OS CA issued (the client configuration's CA, or --ca), the
certificate was valid when the statement was made, and the statement names that node. It
prints what the statement binds: the kind of evidence, the node, its boot id, the image
(version, SBOM digests, dm-verity root hash), the nonce and the time. For an SBOM, the
document itself is checked against the statement's digest too: --subject FILE, or by default
FILE without its .dsse.json suffix when that file exists. With --nonce, the statement must
carry that nonce. It exits non-zero when anything does not hold.`,
		Example: `  cairnctl evidence verify node.spdx.json.dsse.json
  cairnctl evidence verify inventory.dsse.json --ca os-ca.crt`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("verify takes one file, got %d argument(s): cairnctl evidence verify FILE", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return f.run(cmd, g, args[0]) },
	}
	cmd.Flags().StringVar(&f.subject, "subject", "", "the SBOM document the statement is about (default: FILE without .dsse.json, if it exists)")
	cmd.Flags().StringVar(&f.nonce, "nonce", "", "require this nonce in the statement")
	cmd.Flags().StringVar(&f.ca, "ca", "", "verify against this OS CA certificate (PEM) instead of the client configuration's")
	return cmd
}

func (f *evidenceVerifyFlags) run(cmd *cobra.Command, g *globals, file string) error {
	roots, err := g.osCA(f.ca)
	if err != nil {
		return err
	}
	data, err := readBounded(file, attest.MaxSignedBytes)
	if err != nil {
		return err
	}
	v, err := attest.Verify(data, roots)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	p := v.Statement.Predicate
	if f.nonce != "" && p.Nonce != f.nonce {
		return fmt.Errorf("%s: %w: the statement's nonce is %q, not %q", file, attest.ErrInvalid, p.Nonce, f.nonce)
	}
	subject, err := f.checkSubject(file, v.Statement)
	if err != nil {
		return err
	}
	return printVerified(cmd.OutOrStdout(), file, subject, v)
}

// checkSubject checks the SBOM document named (or found beside FILE) against the statement;
// it returns the file checked ("" when none).
func (f *evidenceVerifyFlags) checkSubject(file string, st *attest.Statement) (string, error) {
	subject := f.subject
	if subject == "" && st.Predicate.Kind == attest.KindSBOM && strings.HasSuffix(file, ".dsse.json") {
		if _, err := os.Stat(strings.TrimSuffix(file, ".dsse.json")); err == nil {
			subject = strings.TrimSuffix(file, ".dsse.json")
		}
	}
	if subject == "" {
		return "", nil
	}
	doc, err := readBounded(subject, 1<<30)
	if err != nil {
		return "", err
	}
	if err := st.SubjectMatches(doc); err != nil {
		return "", fmt.Errorf("%s: %w", subject, err)
	}
	return subject, nil
}

func readBounded(file string, limit int64) ([]byte, error) {
	fh, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer func() { _ = fh.Close() }()
	data, err := io.ReadAll(io.LimitReader(fh, limit+1))
	if err == nil && int64(len(data)) > limit {
		err = errors.New("larger than " + fmt.Sprint(limit) + " bytes")
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return data, nil
}

func printVerified(w io.Writer, file, subject string, v *attest.Verified) error {
	p := v.Statement.Predicate
	lines := [][2]string{
		{"verified", file},
		{"evidence", p.Kind + " " + v.Statement.Subject[0].Name + " sha256:" + v.Statement.Subject[0].Digest["sha256"]},
		{"node", p.Node},
		{"signer", fmt.Sprintf("%s (serial %x, issued by %s)", v.Signer.Subject, v.Signer.SerialNumber, v.Signer.Issuer)},
		{"boot id", p.BootID},
		{"image", strings.TrimSpace(p.Image.Version + " " + p.Image.Commit)},
		{"verity root", dash(p.Image.VerityRootHash)},
		{"nonce", dash(p.Nonce)},
		{"time", p.Time.Format(time.RFC3339)},
	}
	for path, sum := range p.Image.SBOM {
		lines = append(lines, [2]string{"image sbom", path + " sha256:" + sum})
	}
	if subject != "" {
		lines = append(lines, [2]string{"subject", subject + " matches the statement's digest"})
	}
	t := newTextTable(w)
	for _, l := range lines {
		t.row(l[0]+":", l[1])
	}
	return t.flush()
}
