package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cairn-os/cairn/internal/evidence/attest"
)

// Write verifies every entry against the OS CA (roots) and that all were made for the same
// node, boot and nonce, then writes the bundle to w; it returns the bundle's index. Nothing
// unverified goes into a bundle.
func Write(w io.Writer, entries []Entry, roots *x509.CertPool, created time.Time) (*Index, error) {
	idx := &Index{Format: Format, Created: created.UTC()}
	for i, e := range entries {
		if err := checkName(e.Name); err != nil {
			return nil, err
		}
		v, err := verifyEntry(e.Data, e.Signed, roots)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name, err)
		}
		p := v.Statement.Predicate
		if i == 0 {
			idx.Node, idx.BootID, idx.Nonce, idx.Image = p.Node, p.BootID, p.Nonce, p.Image
		}
		if err := sameBinding(idx, v); err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name, err)
		}
		idx.Files = append(idx.Files, File{Name: e.Name, Title: e.Title, Kind: p.Kind, Subject: v.Statement.Subject[0].Name,
			MediaType: p.MediaType, Size: int64(len(e.Data)), SHA256: digest(e.Data),
			Statement: StatementName(e.Name), StatementSHA256: digest(e.Signed)})
	}
	if len(idx.Files) == 0 {
		return nil, fmt.Errorf("a bundle needs at least one piece of evidence")
	}
	index, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return nil, err
	}
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	files := []namedData{{ReadmeFile, readme(idx)}, {IndexFile, append(index, '\n')}}
	for _, e := range entries {
		files = append(files, namedData{e.Name, e.Data}, namedData{StatementName(e.Name), e.Signed})
	}
	for _, f := range files {
		hdr := &tar.Header{Name: Dir + "/" + f.name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(f.data)), ModTime: idx.Created, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return idx, gz.Close()
}

type namedData struct {
	name string
	data []byte
}

func digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// checkName accepts a plain file name that is none of the bundle's own files.
func checkName(name string) error {
	switch {
	case name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\\\x00"):
		return fmt.Errorf("%w: file name %q is not a plain file name", attest.ErrInvalid, name)
	case name == IndexFile || name == ReadmeFile || strings.HasSuffix(name, ".dsse.json"):
		return fmt.Errorf("%w: file name %q is reserved for the bundle's own files", attest.ErrInvalid, name)
	}
	return nil
}

// readme says what the bundle holds and how to check it, for a person who opens it.
func readme(idx *Index) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Evidence of Cairn node %s\n\n", idx.Node)
	fmt.Fprintf(&b, "Taken %s from node %s (boot %s) running image %s %s, for the nonce %q.\n\n",
		idx.Created.Format(time.RFC3339), idx.Node, idx.BootID, idx.Image.Version, idx.Image.Commit, idx.Nonce)
	b.WriteString("Each file below comes with the statement the node signed for it (FILE.dsse.json: a DSSE\n" +
		"envelope over an in-toto statement, and the node's certificate chain). The statement's\n" +
		"subject is the file's sha256; it names the node, its boot, its image and the nonce.\n" +
		"Verify the whole bundle offline against the OS CA certificate:\n\n" +
		"    cairnctl evidence verify BUNDLE.tar.gz --ca os-ca.crt\n\n" +
		"index.json lists the same files for programs.\n\n")
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "| FILE\t| WHAT\t| SIZE\t| SHA256\t|") // a bytes.Buffer does not fail
	_, _ = fmt.Fprintln(tw, "|---\t|---\t|---\t|---\t|")
	for _, f := range idx.Files {
		_, _ = fmt.Fprintf(tw, "| %s\t| %s\t| %d\t| %s\t|\n", f.Name, f.Title, f.Size, f.SHA256)
		_, _ = fmt.Fprintf(tw, "| %s\t| its signed statement\t| \t| %s\t|\n", f.Statement, f.StatementSHA256)
	}
	_ = tw.Flush() // a bytes.Buffer does not fail
	return b.Bytes()
}
