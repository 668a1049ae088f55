package machined

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

// Bounds of file access through the API.
const (
	maxReadBytes   = 1 << 20
	maxListDepth   = 8
	maxListEntries = 10000
)

// readablePrefixes are the only trees Read and List reach. The node's state (configuration,
// CA key) is never among them, and deniedNames excludes secrets inside them.
var readablePrefixes = []string{"/proc", "/sys", "/etc/os-release", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/var/log"}

// deniedNames are base names never served: process memory and environment (which can hold
// secrets), kernel memory, and anything that looks like a key.
func deniedName(p string) bool {
	base := path.Base(p)
	switch base {
	case "environ", "mem", "kcore", "kmem", "pagemap", "kallsyms":
		return true
	}
	lower := strings.ToLower(base)
	return strings.HasSuffix(lower, ".key") || strings.Contains(lower, "secret") || strings.Contains(lower, "private")
}

func underPrefix(p string) bool {
	for _, pre := range readablePrefixes {
		if p == pre || strings.HasPrefix(p, pre+"/") {
			return true
		}
	}
	return false
}

// allowedPath checks a requested path, then the path its symbolic links resolve to.
func (n *daemon) allowedPath(p string) (string, error) {
	if p == "" || !path.IsAbs(p) {
		return "", apierr.Invalid("path: %q is not an absolute path", p)
	}
	clean := path.Clean(p)
	if !underPrefix(clean) || deniedName(clean) {
		return "", apierr.Denied("path: %q is not in the allowlist of readable paths (%s)", p, strings.Join(readablePrefixes, ", "))
	}
	resolved, err := filepath.EvalSymlinks(clean)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", apierr.NotFound("path: %q does not exist", p)
		}
		return "", err
	}
	if !underPrefix(resolved) || deniedName(resolved) || strings.HasPrefix(resolved, n.opts.State) {
		return "", apierr.Denied("path: %q resolves to %q, which is not in the allowlist of readable paths", p, resolved)
	}
	return resolved, nil
}

func (a *machineAPI) Read(ctx context.Context, r *machine.ReadRequest) (*machine.ReadResponse, error) {
	p, err := a.n.allowedPath(r.GetPath())
	if err != nil {
		return nil, err
	}
	data, err := readBounded(ctx, r.GetPath(), p)
	if err != nil {
		return nil, err
	}
	return &machine.ReadResponse{Messages: []*machine.FileContent{{Metadata: a.n.md(), Data: data}}}, nil
}

func fileError(p string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return apierr.NotFound("path: %q does not exist", p)
	case errors.Is(err, fs.ErrPermission):
		return apierr.Denied("path: %q is not readable by machined: %v", p, err)
	}
	return fmt.Errorf("read %s: %w", p, err)
}

func (a *machineAPI) List(ctx context.Context, r *machine.ListRequest) (*machine.ListResponse, error) {
	root, err := a.n.allowedPath(r.GetPath())
	if err != nil {
		return nil, err
	}
	depth := int(r.GetMaxDepth())
	if depth < 0 || depth > maxListDepth {
		return nil, apierr.Invalid("max_depth: %d is not between 0 and %d", depth, maxListDepth)
	}
	var out []*machine.FileInfo
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			return nil // unreadable entries are skipped, not fatal
		}
		rel, _ := filepath.Rel(root, p)
		if deniedName(p) {
			return nil
		}
		if d.IsDir() && rel != "." && strings.Count(rel, "/") >= depth {
			out = append(out, fileInfo(p, rel, d))
			return fs.SkipDir
		}
		out = append(out, fileInfo(p, rel, d))
		if len(out) >= maxListEntries {
			return fs.SkipAll
		}
		return nil
	})
	if err != nil {
		return nil, fileError(r.GetPath(), err)
	}
	return &machine.ListResponse{Messages: []*machine.FileList{{Metadata: a.n.md(), Files: out}}}, nil
}

func fileInfo(p, rel string, d fs.DirEntry) *machine.FileInfo {
	fi := &machine.FileInfo{Name: rel, IsDir: d.IsDir()}
	if info, err := d.Info(); err == nil {
		fi.Size, fi.Mode, fi.Modified = info.Size(), uint32(info.Mode()), timestamppb.New(info.ModTime())
	}
	if d.Type()&fs.ModeSymlink != 0 {
		fi.Link, _ = os.Readlink(p)
	}
	return fi
}
