package bundle

import (
	"crypto/x509"
	"fmt"
	"reflect"
	"slices"

	"github.com/cairn-os/cairn/internal/evidence/attest"
)

// Verify checks a bundle against the OS CA (roots): every file the index lists is there with
// the size and digest it gives, and so is its statement; every statement verifies, is of the
// kind and subject the index says, its subject digest is the file's, and all name the node,
// boot, image and nonce of the index. A file the index does not list is an error too. It
// returns the verified statements in the index's order.
func Verify(b *Bundle, roots *x509.CertPool) ([]*attest.Verified, error) {
	idx := &b.Index
	if len(idx.Files) == 0 {
		return nil, fmt.Errorf("%w: %s lists no evidence", attest.ErrInvalid, IndexFile)
	}
	listed := map[string]bool{IndexFile: true, ReadmeFile: true}
	var out []*attest.Verified
	for _, f := range idx.Files {
		if err := checkName(f.Name); err != nil || listed[f.Name] || f.Statement != StatementName(f.Name) {
			return nil, fmt.Errorf("%w: %s lists %q (statement %q) twice or under a name it may not have", attest.ErrInvalid, IndexFile, f.Name, f.Statement)
		}
		listed[f.Name], listed[f.Statement] = true, true
		v, err := verifyFile(b, f, roots)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		out = append(out, v)
	}
	for name := range b.Files {
		if !listed[name] {
			return nil, fmt.Errorf("%w: %s is in the archive but not in %s", attest.ErrInvalid, name, IndexFile)
		}
	}
	if _, ok := b.Files[ReadmeFile]; !ok {
		return nil, fmt.Errorf("%w: the archive has no %s", attest.ErrInvalid, ReadmeFile)
	}
	return out, nil
}

func verifyFile(b *Bundle, f File, roots *x509.CertPool) (*attest.Verified, error) {
	data, ok := b.Files[f.Name]
	signed, sok := b.Files[f.Statement]
	switch {
	case !ok || !sok:
		return nil, fmt.Errorf("%w: the archive lacks it or its statement", attest.ErrInvalid)
	case int64(len(data)) != f.Size || digest(data) != f.SHA256:
		return nil, fmt.Errorf("%w: %d bytes with sha256 %s; %s says %d bytes with sha256 %s", attest.ErrInvalid, len(data), digest(data), IndexFile, f.Size, f.SHA256)
	case digest(signed) != f.StatementSHA256:
		return nil, fmt.Errorf("%w: its statement's sha256 is %s; %s says %s", attest.ErrInvalid, digest(signed), IndexFile, f.StatementSHA256)
	}
	v, err := verifyEntry(data, signed, roots)
	if err != nil {
		return nil, err
	}
	st := v.Statement
	if st.Predicate.Kind != f.Kind || st.Subject[0].Name != f.Subject || st.Predicate.MediaType != f.MediaType {
		return nil, fmt.Errorf("%w: the statement is of %s %q (%s); %s says %s %q (%s)", attest.ErrInvalid,
			st.Predicate.Kind, st.Subject[0].Name, st.Predicate.MediaType, IndexFile, f.Kind, f.Subject, f.MediaType)
	}
	return v, sameBinding(&b.Index, v)
}

// verifyEntry verifies a statement and that data is its one subject.
func verifyEntry(data, signed []byte, roots *x509.CertPool) (*attest.Verified, error) {
	v, err := attest.Verify(signed, roots)
	if err != nil {
		return nil, err
	}
	if len(v.Statement.Subject) != 1 {
		return nil, fmt.Errorf("%w: the statement has %d subjects, want 1", attest.ErrInvalid, len(v.Statement.Subject))
	}
	if err := v.Statement.SubjectMatches(data); err != nil {
		return nil, err
	}
	return v, nil
}

// sameBinding checks that a statement was made for the index's node, boot, image and nonce.
func sameBinding(idx *Index, v *attest.Verified) error {
	p := v.Statement.Predicate
	got := []string{p.Node, p.BootID, p.Nonce}
	want := []string{idx.Node, idx.BootID, idx.Nonce}
	if !slices.Equal(got, want) || !reflect.DeepEqual(p.Image, idx.Image) {
		return fmt.Errorf("%w: the statement names node %q, boot %q, nonce %q and image %+v; the bundle's are %q, %q, %q and %+v",
			attest.ErrInvalid, p.Node, p.BootID, p.Nonce, p.Image, idx.Node, idx.BootID, idx.Nonce, idx.Image)
	}
	return nil
}
