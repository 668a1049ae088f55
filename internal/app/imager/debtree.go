package imager

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// debTree is the union of the extracted packages of one Debian program, each package in a
// directory of its own (root/PACKAGE) so every file keeps the package it came from.
type debTree struct {
	root string
	pkgs []string
}

// DebFile is one file or symbolic link taken from a Debian package into the root.
type DebFile struct {
	Path    string `json:"path"`
	Package string `json:"package"`
	Link    string `json:"link,omitempty"` // target of a symbolic link
	SHA256  string `json:"sha256,omitempty"`
	Size    int64  `json:"size,omitempty"`
	host    string
	mode    fs.FileMode
	scanned bool
}

// lstat finds p (absolute, clean) in the first package that ships it. A directory on the way
// that is a symbolic link is refused: following it could leave the package's tree.
func (t *debTree) lstat(p string) (string, string, fs.FileInfo, error) {
	for _, pkg := range t.pkgs {
		dir := filepath.Join(t.root, pkg)
		host := dir
		var info fs.FileInfo
		var err error
		for _, part := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
			if info != nil && !info.IsDir() {
				return "", "", nil, fmt.Errorf("%s: %s in package %s is not a directory", p, strings.TrimPrefix(host, dir), pkg)
			}
			host = filepath.Join(host, part)
			if info, err = os.Lstat(host); err != nil {
				break
			}
		}
		if err == nil {
			return pkg, host, info, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", "", nil, err
		}
	}
	return "", "", nil, fmt.Errorf("%s: %w in packages %s", p, fs.ErrNotExist, strings.Join(t.pkgs, ", "))
}

// take adds p to files, following symbolic links (each kept as a link), and returns the
// path of the regular file it ends at.
func (t *debTree) take(p string, files map[string]*DebFile) (string, error) {
	for range 16 {
		if f, ok := files[p]; ok && f.Link == "" {
			return p, nil
		}
		pkg, host, info, err := t.lstat(p)
		if err != nil {
			return "", err
		}
		f := &DebFile{Path: p, Package: pkg, host: host, mode: info.Mode()}
		files[p] = f
		switch {
		case info.Mode()&(fs.ModeSetuid|fs.ModeSetgid) != 0:
			return "", fmt.Errorf("%s in package %s is setuid or setgid: never in the image", p, pkg)
		case info.Mode().IsRegular():
			return p, nil
		case info.Mode()&fs.ModeSymlink == 0:
			return "", fmt.Errorf("%s in package %s is not a regular file or symbolic link (%v)", p, pkg, info.Mode().Type())
		}
		if f.Link, err = os.Readlink(host); err != nil {
			return "", err
		}
		if p = f.Link; !path.IsAbs(p) {
			p = path.Join(path.Dir(f.Path), p)
		}
		p = path.Clean(p)
	}
	return "", fmt.Errorf("%s: too many levels of symbolic links", p)
}

// findLibrary returns the path of the library soname in the loader's search directories.
func (t *debTree) findLibrary(soname string) (string, error) {
	for _, dir := range libraryDirs {
		p := path.Join(dir, soname)
		if _, _, _, err := t.lstat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no package of %s ships it in %s", strings.Join(t.pkgs, ", "), strings.Join(libraryDirs, ", "))
}

// closure returns the wanted files with, for each ELF file among them, its interpreter and
// the libraries it needs, transitively, sorted by path. It names every missing library.
func (t *debTree) closure(want []string) ([]*DebFile, error) {
	files := map[string]*DebFile{}
	queue := append([]string(nil), want...)
	var errs []error
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		deps, err := t.scan(p, files)
		if err != nil {
			errs = append(errs, err)
		}
		queue = append(queue, deps...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	out := make([]*DebFile, 0, len(files))
	for _, f := range files {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// scan takes p and returns the paths of what it needs (nothing for a file already scanned
// or one that is not ELF).
func (t *debTree) scan(p string, files map[string]*DebFile) ([]string, error) {
	file, err := t.take(p, files)
	if err != nil {
		return nil, err
	}
	f := files[file]
	if f.scanned {
		return nil, nil
	}
	f.scanned = true
	interp, needed, err := fileDeps(f.host)
	if errors.Is(err, errNotELF) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s (package %s): %w", file, f.Package, err)
	}
	var deps, missing []string
	if interp != "" {
		deps = append(deps, interp)
	}
	for _, so := range needed {
		lib, err := t.findLibrary(so)
		if err != nil {
			missing = append(missing, fmt.Sprintf("%s needs %s: %v", file, so, err))
			continue
		}
		deps = append(deps, lib)
	}
	if len(missing) > 0 {
		return deps, errors.New(strings.Join(missing, "; "))
	}
	return deps, nil
}
