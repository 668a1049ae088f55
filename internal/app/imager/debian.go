package imager

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// DebianResult records one Debian program in manifest.json: its pinned packages and every
// file taken into the root, each with the package it came from.
type DebianResult struct {
	Name     string     `json:"name"`
	Packages []Deb      `json:"packages"`
	Files    []*DebFile `json:"files"`
}

// stageDebian places every Debian program of the manifest into the root.
func (b *builder) stageDebian(ctx context.Context, root string) ([]DebianResult, error) {
	var out []DebianResult
	for _, d := range b.m.Debian {
		r, err := b.stageDebianProgram(ctx, d, root)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, nil
}

// stageDebianProgram places one program's files, with their libraries, into root.
func (b *builder) stageDebianProgram(ctx context.Context, d Debian, root string) (*DebianResult, error) {
	t, err := b.extractDebs(ctx, d)
	if err != nil {
		return nil, fmt.Errorf("debian %s: %w", d.Name, err)
	}
	files, err := t.closure(d.Files)
	if err != nil {
		return nil, fmt.Errorf("debian %s: %w", d.Name, err)
	}
	if err := placeDebFiles(root, files); err != nil {
		return nil, fmt.Errorf("debian %s: %w", d.Name, err)
	}
	b.progress("%s: %d files from %d Debian packages (libraries from DT_NEEDED)", d.Name, len(files), len(d.Packages))
	return &DebianResult{Name: d.Name, Packages: d.Packages, Files: files}, nil
}

// extractDebs fetches the program's packages and extracts each into a directory of its own
// in the cache (once; a marker records completion).
func (b *builder) extractDebs(ctx context.Context, d Debian) (*debTree, error) {
	h := sha256.New()
	t := &debTree{}
	for _, p := range d.Packages {
		_, _ = fmt.Fprintf(h, "%s\x00%s\x00", p.Package, p.SHA256)
		t.pkgs = append(t.pkgs, p.Package)
	}
	dir, err := filepath.Abs(filepath.Join(b.cache, "debian-"+d.Name+"-"+hex.EncodeToString(h.Sum(nil))[:16]))
	if err != nil {
		return nil, err
	}
	t.root = dir
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err == nil {
		return t, nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil { //nolint:gosec // cache directories hold world-readable image inputs.
		return nil, err
	}
	for _, p := range d.Packages {
		deb, err := b.fetchDeb(ctx, d.Name+" package", p)
		if err != nil {
			return nil, err
		}
		if out, err := exec.CommandContext(ctx, "dpkg-deb", "-x", deb, filepath.Join(dir, p.Package)).CombinedOutput(); err != nil { //nolint:gosec // the package is pinned by the manifest and verified by sha256.
			return nil, fmt.Errorf("dpkg-deb -x %s: %w\n%s", deb, err, out)
		}
	}
	return t, os.WriteFile(filepath.Join(dir, ".complete"), nil, 0o644) //nolint:gosec // cache files hold world-readable image inputs.
}

// placeDebFiles copies the files (executable ones 0755, others 0644) and recreates the links
// into the root, refusing to overwrite anything already there, and records each file's sha256.
// A file another Debian program already placed with the same bytes (the same pinned libc6 for
// two programs) is shared, not an error.
func placeDebFiles(root string, files []*DebFile) error {
	for _, f := range files {
		dst := filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(f.Path, "/")))
		if _, err := os.Lstat(dst); err == nil {
			same, err := samePlaced(f, dst)
			if err != nil {
				return err
			}
			if !same {
				return fmt.Errorf("%s (package %s) is already in the root", f.Path, f.Package)
			}
			continue
		}
		if err := mkdir(filepath.Dir(dst)); err != nil {
			return err
		}
		if f.Link != "" {
			if err := os.Symlink(f.Link, dst); err != nil {
				return err
			}
			continue
		}
		mode := fs.FileMode(0o644)
		if f.mode&0o111 != 0 {
			mode = 0o755
		}
		if err := copyFile(f.host, dst, mode); err != nil {
			return err
		}
		var err error
		if f.SHA256, f.Size, err = fileSHA256(dst); err != nil {
			return err
		}
	}
	return nil
}

// samePlaced says whether dst is already what f would place: the same link, or the same
// bytes (then f records their digest).
func samePlaced(f *DebFile, dst string) (bool, error) {
	if f.Link != "" {
		target, err := os.Readlink(dst)
		return err == nil && target == f.Link, nil
	}
	if st, err := os.Lstat(dst); err != nil || !st.Mode().IsRegular() {
		return false, err
	}
	want, _, err := fileSHA256(f.host)
	if err != nil {
		return false, err
	}
	got, size, err := fileSHA256(dst)
	if err != nil || got != want {
		return false, err
	}
	f.SHA256, f.Size = got, size
	return true, nil
}
