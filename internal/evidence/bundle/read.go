package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cairn-os/cairn/internal/evidence/attest"
)

// Read decodes a bundle: a gzip-compressed tar archive of regular files directly under Dir,
// at most maxFiles of them, none larger than maxFileBytes and maxTotalBytes in all, each name
// once, with an index that decodes strictly. It checks the archive's shape only: Verify
// checks what it says.
func Read(r io.Reader) (*Bundle, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("%w: not a gzip archive: %w", attest.ErrInvalid, err)
	}
	defer func() { _ = gz.Close() }()
	tr := tar.NewReader(gz)
	b := &Bundle{Files: map[string][]byte{}}
	var total int64
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: tar: %w", attest.ErrInvalid, err)
		}
		name, skip, err := entryName(hdr)
		if err != nil || skip {
			if err != nil {
				return nil, err
			}
			continue
		}
		if _, dup := b.Files[name]; dup || len(b.Files) >= maxFiles {
			return nil, fmt.Errorf("%w: %s: a second file of that name, or more than %d files", attest.ErrInvalid, hdr.Name, maxFiles)
		}
		if total += hdr.Size; hdr.Size > maxFileBytes || total > maxTotalBytes {
			return nil, fmt.Errorf("%w: %s: %d bytes; at most %d a file and %d in all", attest.ErrInvalid, hdr.Name, hdr.Size, maxFileBytes, maxTotalBytes)
		}
		data, err := io.ReadAll(io.LimitReader(tr, hdr.Size))
		if err != nil || int64(len(data)) != hdr.Size {
			return nil, fmt.Errorf("%w: %s: cut short: %w", attest.ErrInvalid, hdr.Name, err)
		}
		b.Files[name] = data
	}
	return b, b.decodeIndex()
}

// entryName returns the name of a file of the bundle; skip is true for the bundle's
// directory itself.
func entryName(hdr *tar.Header) (name string, skip bool, err error) {
	if hdr.Typeflag == tar.TypeDir && strings.TrimSuffix(hdr.Name, "/") == Dir {
		return "", true, nil
	}
	name, ok := strings.CutPrefix(hdr.Name, Dir+"/")
	if !ok || hdr.Typeflag != tar.TypeReg {
		return "", false, fmt.Errorf("%w: %q: want only regular files under %s/", attest.ErrInvalid, hdr.Name, Dir)
	}
	if name == IndexFile || name == ReadmeFile {
		return name, false, nil
	}
	if err := checkName(strings.TrimSuffix(name, ".dsse.json")); err != nil {
		return "", false, err
	}
	return name, false, nil
}

func (b *Bundle) decodeIndex() error {
	data, ok := b.Files[IndexFile]
	if !ok {
		return fmt.Errorf("%w: the archive has no %s/%s: it is not a Cairn evidence bundle", attest.ErrInvalid, Dir, IndexFile)
	}
	if len(data) > maxIndexBytes {
		return fmt.Errorf("%w: %s: %d bytes, more than %d", attest.ErrInvalid, IndexFile, len(data), maxIndexBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b.Index); err != nil {
		return fmt.Errorf("%w: %s: %w", attest.ErrInvalid, IndexFile, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: %s: data after the document", attest.ErrInvalid, IndexFile)
	}
	if b.Index.Format != Format {
		return fmt.Errorf("%w: %s: format %q, want %q", attest.ErrInvalid, IndexFile, b.Index.Format, Format)
	}
	return nil
}
