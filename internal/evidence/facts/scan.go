package facts

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// DefaultScanDirs are the directories Collect walks for setuid files, shells and SSH
// servers: the image's root and the writable places mounted on it. Each walk stays on the
// file system it starts on (like find -xdev), so /proc, /sys and /dev are never entered.
var DefaultScanDirs = []string{"/", "/etc", "/opt", "/usr", "/var"}

// DefaultSkipDirs are not walked: the workloads' container images and volumes are the
// pods' business, not the host's.
var DefaultSkipDirs = []string{"/var/lib/containerd", "/var/lib/kubelet/pods", "/var/lib/etcd", "/var/log"}

// ShellNames are the programs a person could get a command line from.
var ShellNames = []string{"ash", "bash", "busybox", "csh", "dash", "fish", "ksh", "mksh", "sh", "tcsh", "toybox", "zsh"}

// SSHDNames are SSH servers.
var SSHDNames = []string{"dropbear", "sshd", "tinysshd"}

type scanner struct {
	root    string
	skip    []string
	names   names
	visited map[[2]uint64]bool // directories seen, by device and inode
	out     Scan
	full    bool
}

func collectScan(ctx context.Context, root string, dirs, skip []string, nm names) Fact[Scan] {
	s := &scanner{root: root, skip: skip, names: nm, visited: map[[2]uint64]bool{}}
	s.out = Scan{Dirs: dirs, SetID: []File{}, Shells: []string{}, SSHD: []string{}, WorldWritable: []File{}}
	var unread []string
	for _, d := range dirs {
		if err := s.walk(ctx, d); err != nil {
			if ctx.Err() != nil {
				return unknown[Scan](ctx.Err().Error())
			}
			unread = append(unread, d+": "+why(err))
		}
	}
	f := known(s.out)
	f.Truncated = s.full
	f.Unknown = strings.Join(unread, "; ")
	return f
}

func (s *scanner) walk(ctx context.Context, dir string) error {
	top := hostPath(s.root, dir)
	if _, err := os.Lstat(top); errors.Is(err, fs.ErrNotExist) {
		return nil // the image has no such directory: nothing to find there
	}
	dev, ok := devOf(top)
	if !ok {
		return errors.New("not readable")
	}
	return filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // an unreadable subdirectory: the walk goes on
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if s.out.Entries >= maxScanEntries {
			s.full = true
			return filepath.SkipAll
		}
		s.out.Entries++
		node := s.nodePath(p)
		fi, err := d.Info()
		if err != nil {
			return nil
		}
		if d.IsDir() {
			return s.enter(node, fi, dev)
		}
		s.look(node, d.Name(), fi)
		return nil
	})
}

// enter decides whether to walk a directory: not when skipped, on another file system, or
// already walked from another start.
func (s *scanner) enter(node string, fi fs.FileInfo, dev uint64) error {
	key, ok := idOf(fi)
	if !ok || slices.Contains(s.skip, node) || key[0] != dev {
		return filepath.SkipDir
	}
	if s.visited[key] {
		return filepath.SkipDir
	}
	s.visited[key] = true
	if fi.Mode().Perm()&0o002 != 0 && fi.Mode()&fs.ModeSticky == 0 {
		s.add(&s.out.WorldWritable, node, fi)
	}
	return nil
}

// look records a file that is setuid or setgid, world-writable, a shell or an SSH server.
func (s *scanner) look(node, name string, fi fs.FileInfo) {
	m := fi.Mode()
	if m.IsRegular() && m&(fs.ModeSetuid|fs.ModeSetgid) != 0 {
		s.add(&s.out.SetID, node, fi)
	}
	if m.IsRegular() && m.Perm()&0o002 != 0 {
		s.add(&s.out.WorldWritable, node, fi)
	}
	runnable := m&fs.ModeSymlink != 0 || (m.IsRegular() && m.Perm()&0o111 != 0)
	if runnable && slices.Contains(ShellNames, name) && len(s.out.Shells) < maxScanFound {
		s.out.Shells = append(s.out.Shells, node)
	}
	if runnable && slices.Contains(SSHDNames, name) && len(s.out.SSHD) < maxScanFound {
		s.out.SSHD = append(s.out.SSHD, node)
	}
}

func (s *scanner) add(list *[]File, node string, fi fs.FileInfo) {
	if len(*list) >= maxScanFound {
		s.full = true
		return
	}
	f := File{Path: node, Exists: true}
	fillFile(&f, fi, s.names)
	*list = append(*list, f)
}

// nodePath is the node's path of a host path under the root.
func (s *scanner) nodePath(host string) string {
	if s.root == "" || s.root == "/" {
		return host
	}
	rel, err := filepath.Rel(s.root, host)
	if err != nil {
		return host
	}
	return path.Join("/", filepath.ToSlash(rel))
}
