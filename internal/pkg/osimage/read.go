package osimage

import (
	"archive/tar"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
)

// Bounds of the two leading entries.
const (
	maxManifest  = 64 << 10
	maxSignature = 4 << 10
)

// Reader reads a verified image: Open has checked the signature; Next yields each file, whose
// reader fails at its end unless size and sha256 match the manifest.
type Reader struct {
	Manifest *Manifest
	// Signer is the key ID of the trusted key that signed the manifest.
	Signer string
	tr     *tar.Reader
	next   int
	cur    *fileReader
}

// Open reads manifest.json and manifest.sig from r and verifies them against trusted. Nothing
// of any file has been read when it returns.
func Open(r io.Reader, trusted []*ecdsa.PublicKey) (*Reader, error) {
	tr := tar.NewReader(r)
	data, err := readEntry(tr, entryManifest, maxManifest)
	if err != nil {
		return nil, err
	}
	sig, err := readEntry(tr, entrySignature, maxSignature)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUntrusted, err)
	}
	signer, err := Verify(data, sig, trusted)
	if err != nil {
		return nil, err
	}
	m, err := ParseManifest(data)
	if err != nil {
		return nil, err
	}
	return &Reader{Manifest: m, Signer: signer, tr: tr}, nil
}

// readEntry reads the next entry, which must be a regular file called name of at most limit bytes.
func readEntry(tr *tar.Reader, name string, limit int64) ([]byte, error) {
	h, err := nextHeader(tr, name)
	if err != nil {
		return nil, err
	}
	if h.Size > limit {
		return nil, fmt.Errorf("image: %s is %d bytes, more than %d", name, h.Size, limit)
	}
	b := make([]byte, h.Size)
	if _, err := io.ReadFull(tr, b); err != nil {
		return nil, fmt.Errorf("image: read %s: %w", name, err)
	}
	return b, nil
}

func nextHeader(tr *tar.Reader, name string) (*tar.Header, error) {
	h, err := tr.Next()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("image: ends where %s should be (truncated?)", name)
	}
	if err != nil {
		return nil, fmt.Errorf("image: reading the entry for %s: %w", name, err)
	}
	if h.Name != name || h.Typeflag != tar.TypeReg {
		return nil, fmt.Errorf("image: entry %q (type %q) where the regular file %s should be", h.Name, h.Typeflag, name)
	}
	return h, nil
}

// Next returns the next file of the image and a reader of its content. The reader returns an
// error instead of its final EOF when the content does not match the manifest; the previous
// file must have been read to its end. Next returns io.EOF after the last file.
func (r *Reader) Next() (File, io.Reader, error) {
	if r.cur != nil && !r.cur.done {
		return File{}, nil, fmt.Errorf("image: %s was not read to its end", r.cur.f.Name)
	}
	if r.next == len(r.Manifest.Files) {
		if h, err := r.tr.Next(); !errors.Is(err, io.EOF) {
			return File{}, nil, fmt.Errorf("image: more after the last file (%v): %w", entryName(h), errors.Join(err, errTrailing))
		}
		return File{}, nil, io.EOF
	}
	f := r.Manifest.Files[r.next]
	h, err := nextHeader(r.tr, f.Name)
	if err != nil {
		return File{}, nil, err
	}
	if h.Size != f.Size {
		return File{}, nil, fmt.Errorf("image: %s is %d bytes, the manifest says %d", f.Name, h.Size, f.Size)
	}
	r.next++
	r.cur = &fileReader{f: f, r: io.LimitReader(r.tr, f.Size), h: sha256.New()}
	return f, r.cur, nil
}

// fileReader hashes what it passes on and checks size and digest at the end.
type fileReader struct {
	f    File
	r    io.Reader
	h    hash.Hash
	n    int64
	done bool
}

func (fr *fileReader) Read(p []byte) (int, error) {
	n, err := fr.r.Read(p)
	fr.h.Write(p[:n])
	fr.n += int64(n)
	if err != nil && !errors.Is(err, io.EOF) {
		return n, fmt.Errorf("image: %s after %d of %d bytes: %w", fr.f.Name, fr.n, fr.f.Size, err)
	}
	if errors.Is(err, io.EOF) {
		if fr.n != fr.f.Size {
			return n, fmt.Errorf("image: %s ends after %d of %d bytes (truncated)", fr.f.Name, fr.n, fr.f.Size)
		}
		if got := hex.EncodeToString(fr.h.Sum(nil)); got != fr.f.SHA256 {
			return n, fmt.Errorf("image: %s has sha256 %s, the signed manifest says %s (corrupt)", fr.f.Name, got, fr.f.SHA256)
		}
		fr.done = true
	}
	return n, err
}

func entryName(h *tar.Header) string {
	if h == nil {
		return "no entry"
	}
	return fmt.Sprintf("entry %q", h.Name)
}

// errTrailing marks an image with entries after its last file.
var errTrailing = errors.New("trailing data after the last file")
