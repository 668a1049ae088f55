package cairnctl

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/internal/evidence/attest"
	"github.com/cairn-os/cairn/internal/evidence/bundle"
)

type evidenceVerifyFlags struct {
	subject, nonce, ca string
}

func newEvidenceVerifyCmd(g *globals) *cobra.Command {
	var f evidenceVerifyFlags
	cmd := &cobra.Command{
		Use:   "verify FILE",
		Short: "Verify a node's signed evidence or a whole evidence bundle offline against the OS CA",
		Long: `Verify a signed statement saved by "cairnctl evidence sbom -o" (FILE.dsse.json) or
"cairnctl evidence inventory --signed", with no connection to any node: the DSSE signature is
the key's of a node certificate the OS CA issued (the client configuration's CA, or --ca), the
certificate was valid when the statement was made, and the statement names that node. It
prints what the statement binds: the kind of evidence, the node, its boot id, the image
(version, SBOM digests, dm-verity root hash), the nonce and the time. Evidence carried in the
statement (inventory, posture, checks) is checked against its digest; a document saved beside
it (an SBOM, an OSCAL document) too: --subject FILE, or by default FILE without its .dsse.json
suffix when that file exists. With --nonce, the statement must
carry that nonce. It exits non-zero when anything does not hold.

FILE may also be a bundle written by "cairnctl evidence bundle": then every statement in it is
verified, every file is checked against its statement's digest and the index's size and
sha256, and all statements must name the same node, boot, image and nonce; a file added to,
missing from or changed in the bundle fails it.`,
		Example: `  cairnctl evidence verify node.spdx.json.dsse.json
  cairnctl evidence verify node-a-evidence.tar.gz --ca os-ca.crt
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
	if isBundle(file) {
		return f.verifyBundle(cmd.OutOrStdout(), file, roots)
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

// checkSubject checks the evidence the statement carries, and the document named (or found
// beside FILE) against the statement; it returns the file checked ("" when none).
func (f *evidenceVerifyFlags) checkSubject(file string, st *attest.Statement) (string, error) {
	if st.Predicate.Body != nil {
		if err := st.SubjectMatches(st.Predicate.Body); err != nil {
			return "", fmt.Errorf("%s: the evidence it carries: %w", file, err)
		}
	}
	subject := f.subject
	if subject == "" && strings.HasSuffix(file, ".dsse.json") {
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

// isBundle tells a bundle (gzip-compressed) from a signed statement (JSON) by its first bytes.
func isBundle(file string) bool {
	fh, err := os.Open(file)
	if err != nil {
		return false
	}
	defer func() { _ = fh.Close() }()
	var magic [2]byte
	_, err = io.ReadFull(fh, magic[:])
	return err == nil && magic == [2]byte{0x1f, 0x8b}
}

// verifyBundle checks a whole bundle offline and prints what it holds.
func (f *evidenceVerifyFlags) verifyBundle(w io.Writer, file string, roots *x509.CertPool) error {
	fh, err := os.Open(file)
	if err != nil {
		return err
	}
	defer func() { _ = fh.Close() }()
	b, err := bundle.Read(fh)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	vs, err := bundle.Verify(b, roots)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	idx := b.Index
	if f.nonce != "" && idx.Nonce != f.nonce {
		return fmt.Errorf("%s: %w: the bundle's nonce is %q, not %q", file, attest.ErrInvalid, idx.Nonce, f.nonce)
	}
	t := newTextTable(w)
	for _, l := range [][2]string{{"verified bundle", file}, {"node", idx.Node}, {"signer", signerText(vs[0])}, {"boot id", idx.BootID},
		{"image", strings.TrimSpace(idx.Image.Version + " " + idx.Image.Commit)}, {"verity root", dash(idx.Image.VerityRootHash)},
		{"nonce", dash(idx.Nonce)}, {"created", idx.Created.Format(time.RFC3339)}} {
		t.row(l[0]+":", printable(l[1]))
	}
	for i, fl := range idx.Files {
		t.row("evidence:", printable(fmt.Sprintf("%s (%s) sha256:%s signed %s", fl.Name, fl.Kind, fl.SHA256, vs[i].Statement.Predicate.Time.Format(time.RFC3339))))
	}
	return t.flush()
}

func signerText(v *attest.Verified) string {
	return fmt.Sprintf("%s (serial %x, issued by %s)", v.Signer.Subject, v.Signer.SerialNumber, v.Signer.Issuer)
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
		{"signer", signerText(v)},
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
