package osimage

import (
	"archive/tar"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"
)

// Names of the two entries that precede the files.
const (
	entryManifest  = "manifest.json"
	entrySignature = "manifest.sig"
)

// mtime is every entry's modification time: images are reproducible.
var mtime = time.Unix(0, 0).UTC()

// WriteFiles writes a signed image of the files at paths (keyed by FileKernel, ...) to w: it
// hashes each file, fills m.Files, signs the manifest with key, then streams the files.
func WriteFiles(w io.Writer, m Manifest, paths map[string]string, key *ecdsa.PrivateKey) (*Manifest, error) {
	m.Format, m.Files = FormatVersion, nil
	for _, name := range fileOrder {
		f, err := hashFile(name, paths[name])
		if err != nil {
			return nil, err
		}
		m.Files = append(m.Files, f)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	data, err := jsonIndent(&m)
	if err != nil {
		return nil, err
	}
	sig, err := Sign(data, key)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(w)
	if err := writeEntry(tw, entryManifest, data); err != nil {
		return nil, err
	}
	if err := writeEntry(tw, entrySignature, sig); err != nil {
		return nil, err
	}
	for _, f := range m.Files {
		if err := copyFile(tw, f, paths[f.Name]); err != nil {
			return nil, err
		}
	}
	return &m, tw.Close()
}

func hashFile(name, path string) (File, error) {
	if path == "" {
		return File{}, fmt.Errorf("image file %s: no path given", name)
	}
	f, err := os.Open(path)
	if err != nil {
		return File{}, fmt.Errorf("image file %s: %w", name, err)
	}
	defer func() { _ = f.Close() }()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return File{}, fmt.Errorf("image file %s: %w", name, err)
	}
	return File{Name: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

func writeEntry(tw *tar.Writer, name string, data []byte) error {
	if err := tw.WriteHeader(header(name, int64(len(data)))); err != nil {
		return err
	}
	_, err := tw.Write(data)
	return err
}

func copyFile(tw *tar.Writer, f File, path string) error {
	src, err := os.Open(path)
	if err != nil {
		return err
	}
	defer func() { _ = src.Close() }()
	if err := tw.WriteHeader(header(f.Name, f.Size)); err != nil {
		return err
	}
	if _, err := io.CopyN(tw, src, f.Size); err != nil {
		return fmt.Errorf("image file %s changed while it was written: %w", f.Name, err)
	}
	return nil
}

func header(name string, size int64) *tar.Header {
	return &tar.Header{Name: name, Size: size, Mode: 0o644, Typeflag: tar.TypeReg, ModTime: mtime, Format: tar.FormatPAX}
}

// jsonIndent is the one encoding of a manifest.
func jsonIndent(m *Manifest) ([]byte, error) { return json.MarshalIndent(m, "", "  ") }
