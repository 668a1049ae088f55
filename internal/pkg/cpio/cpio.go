// Package cpio builds "newc" cpio archives, the format of a Linux initramfs, in a canonical
// order, and writes them with u-root's pkg/cpio.
//
// The output is deterministic: entries are sorted by name, parents come before children (each
// missing parent is added as a 0755 directory), inode numbers are assigned in order, owners
// are root and every entry has the same mtime. This layer stays because u-root's own helper
// for parent directories (WriteRecordsAndDirs) creates them world-writable (0777).
package cpio

import (
	"fmt"
	"path"
	"sort"
	"strings"
)

// Mode type bits, as in stat(2).
const (
	TypeMask    = 0o170000
	TypeDir     = 0o040000
	TypeRegular = 0o100000
	TypeSymlink = 0o120000
	TypeChar    = 0o020000
)

// Entry is one member of an archive. Name is relative ("init", "lib/modules"); Mode holds the
// type and permission bits. Data holds a regular file's content or a symlink's target.
type Entry struct {
	Name      string
	Mode      uint32
	Data      []byte
	RdevMajor uint32
	RdevMinor uint32
}

// Archive collects entries and writes them in a canonical order.
type Archive struct {
	entries map[string]Entry
}

// NewArchive returns an empty archive.
func NewArchive() *Archive { return &Archive{entries: map[string]Entry{}} }

// Add adds an entry, creating missing parent directories with mode 0755. Adding a name twice
// is an error, except for a directory added again as a directory.
func (a *Archive) Add(e Entry) error {
	name, err := clean(e.Name)
	if err != nil {
		return err
	}
	e.Name = name
	if old, ok := a.entries[name]; ok {
		if old.Mode&TypeMask == TypeDir && e.Mode&TypeMask == TypeDir {
			return nil
		}
		return fmt.Errorf("cpio: %q added twice", name)
	}
	if dir := path.Dir(name); dir != "." {
		if err := a.Add(Entry{Name: dir, Mode: TypeDir | 0o755}); err != nil {
			return err
		}
	}
	a.entries[name] = e
	return nil
}

// AddFile adds a regular file.
func (a *Archive) AddFile(name string, perm uint32, data []byte) error {
	return a.Add(Entry{Name: name, Mode: TypeRegular | perm&0o7777, Data: data})
}

// AddDir adds a directory.
func (a *Archive) AddDir(name string, perm uint32) error {
	return a.Add(Entry{Name: name, Mode: TypeDir | perm&0o7777})
}

// AddSymlink adds a symbolic link pointing at target.
func (a *Archive) AddSymlink(name, target string) error {
	return a.Add(Entry{Name: name, Mode: TypeSymlink | 0o777, Data: []byte(target)})
}

// Entries returns the entries in the order they are written.
func (a *Archive) Entries() []Entry {
	out := make([]Entry, 0, len(a.entries))
	for _, e := range a.entries {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func clean(name string) (string, error) {
	c := path.Clean("/" + name)[1:]
	if c == "" || c != strings.TrimPrefix(name, "/") || strings.Contains(c, "\x00") {
		return "", fmt.Errorf("cpio: invalid entry name %q", name)
	}
	return c, nil
}
