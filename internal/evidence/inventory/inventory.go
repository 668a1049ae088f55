// Package inventory lists every executable of a root file system: its path, size, mode,
// sha256, ELF build-id and, for a Go program, its build information (main module, every
// dependency, GOFIPS140, DefaultGODEBUG, vcs settings), and its origin as the image's SBOM
// records it. The scan is a pure function of the directory: it follows no symbolic link,
// stays on the root's file system (the node's /proc, /sys, /var are others), and is bounded
// in entries visited, executables listed and bytes hashed per file.
package inventory

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cairn-os/cairn/internal/evidence/elfinfo"
)

// Inventory is the executables of one root.
type Inventory struct {
	Binaries []Binary `json:"binaries"`
	// Truncated says the scan stopped at a limit, and which; the list is then incomplete.
	Truncated string `json:"truncated,omitempty"`
}

// Binary is one executable: a regular file with an execute bit, or any ELF file (shared
// libraries are code the node runs too).
type Binary struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	Mode   string `json:"mode"`
	SHA256 string `json:"sha256,omitempty"`
	// Origin is where the image's SBOM says the file came from ("" when it does not say).
	Origin string        `json:"origin,omitempty"`
	ELF    *elfinfo.Info `json:"elf,omitempty"`
	// Error says why the file could not be read in full (it is listed all the same).
	Error string `json:"error,omitempty"`
}

// Limits bound a scan.
type Limits struct {
	// Entries bounds the directory entries visited, Binaries the executables listed.
	Entries, Binaries int
	// FileSize bounds the bytes read from one file; a larger one is listed without digest.
	FileSize int64
}

// DefaultLimits fit a Cairn root (a few hundred files, the largest a 127 MB Kubernetes binary)
// many times over.
var DefaultLimits = Limits{Entries: 200_000, Binaries: 20_000, FileSize: 2 << 30}

var errLimit = errors.New("limit reached")

// Scan lists the executables under root; origins maps absolute paths in the root to their
// origin (Origins reads it from the image's SBOM). It ends with ctx's error as soon as ctx
// ends, between two files or within the hashing of one: a caller that went away stops the
// reading of the whole root.
func Scan(ctx context.Context, root string, origins map[string]string, lim Limits) (*Inventory, error) {
	rootInfo, err := os.Stat(root)
	if err != nil {
		return nil, err
	}
	dev, _ := deviceOf(rootInfo)
	inv := &Inventory{Binaries: []Binary{}}
	entries := 0
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			// An unreadable directory is skipped, not fatal: the rest is still evidence.
			if d != nil && d.IsDir() && p != root {
				return fs.SkipDir
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if entries++; entries > lim.Entries {
			inv.Truncated = fmt.Sprintf("more than %d entries", lim.Entries)
			return errLimit
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if d2, ok := deviceOf(info); ok && d2 != dev {
				return fs.SkipDir
			}
			return nil
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		b, ok := examine(ctx, p, info, lim.FileSize)
		if !ok {
			return nil
		}
		if len(inv.Binaries) >= lim.Binaries {
			inv.Truncated = fmt.Sprintf("more than %d executables", lim.Binaries)
			return errLimit
		}
		rel, _ := filepath.Rel(root, p)
		b.Path = "/" + filepath.ToSlash(rel)
		b.Origin = origins[b.Path]
		inv.Binaries = append(inv.Binaries, b)
		return nil
	})
	if cerr := ctx.Err(); cerr != nil {
		return nil, fmt.Errorf("scan %s: %w", root, cerr)
	}
	if err != nil && !errors.Is(err, errLimit) {
		return nil, fmt.Errorf("scan %s: %w", root, err)
	}
	return inv, nil
}

// examine reads one regular file: ok is false when it is not an executable.
func examine(ctx context.Context, p string, info fs.FileInfo, maxSize int64) (Binary, bool) {
	b := Binary{Size: info.Size(), Mode: fmt.Sprintf("%04o", info.Mode().Perm())}
	f, err := os.Open(p)
	if err != nil {
		b.Error = err.Error()
		return b, info.Mode()&0o111 != 0
	}
	defer func() { _ = f.Close() }()
	var head [4]byte
	n, _ := io.ReadFull(f, head[:])
	isELF := elfinfo.IsELF(head[:n])
	if !isELF && info.Mode()&0o111 == 0 {
		return b, false
	}
	if info.Size() > maxSize {
		b.Error = fmt.Sprintf("%d bytes, more than the %d read per file: not hashed", info.Size(), maxSize)
		return b, true
	}
	h := sha256.New()
	if _, err := io.Copy(h, ctxReader{ctx, io.NewSectionReader(f, 0, maxSize)}); err != nil {
		b.Error = err.Error()
		return b, true
	}
	b.SHA256 = hex.EncodeToString(h.Sum(nil))
	if isELF {
		if b.ELF, err = elfinfo.Read(f); err != nil {
			b.Error = err.Error()
		}
	}
	return b, true
}

// ctxReader reads r until ctx ends.
type ctxReader struct {
	ctx context.Context //nolint:containedctx // one read loop's lifetime
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
