package facts

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// Size caps of what Collect reads: a file past its cap is cut there (and the fact says so
// where a cut changes its meaning).
const (
	maxSmallFile  = 64 << 10 // one value of /proc or /sys, a cgroup file
	maxArgsBytes  = 128 << 10
	maxEnvBytes   = 256 << 10
	maxConfigFile = 1 << 20
	maxTableBytes = 16 << 20 // a /proc/net table or the mount table
	maxCertFile   = 1 << 20
)

// Count caps.
const (
	maxProcs       = 32768
	maxFDsPerProc  = 16384
	maxModules     = 4096
	maxSockets     = 4096
	maxScanEntries = 1_000_000
	maxScanFound   = 1024 // of each kind a scan lists
	maxCertFiles   = 1024
	maxCerts       = 4096
	maxNamedFiles  = 4096
)

// readCapped reads at most max bytes of path; truncated says there was more.
func readCapped(path string, limit int64) (data []byte, truncated bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	defer func() { _ = f.Close() }()
	data, err = io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, false, err
	}
	if int64(len(data)) > limit {
		return data[:limit], true, nil
	}
	return data, false, nil
}

// readValue reads a one-line value of /proc or /sys, trimmed.
func readValue(path string) Fact[string] {
	b, _, err := readCapped(path, maxSmallFile)
	if err != nil {
		return unknown[string](why(err))
	}
	return known(strings.TrimSpace(string(b)))
}

// why says in a few words why a read failed, for a fact's Unknown.
func why(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "not found: " + err.Error()
	case errors.Is(err, fs.ErrPermission):
		return "permission denied: " + err.Error()
	}
	return err.Error()
}

// statFile describes path (a path on the host, under the root), named node on the node.
func statFile(host, node string, names names) File {
	f := File{Path: node}
	fi, err := os.Lstat(host)
	if errors.Is(err, fs.ErrNotExist) {
		return f
	}
	if err != nil {
		f.Unknown = why(err)
		return f
	}
	f.Exists = true
	fillFile(&f, fi, names)
	return f
}

func fillFile(f *File, fi fs.FileInfo, names names) {
	m := fi.Mode()
	f.Dir, f.Symlink = m.IsDir(), m&fs.ModeSymlink != 0
	f.Mode = uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		f.Mode |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		f.Mode |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		f.Mode |= 0o1000
	}
	if uid, gid, ok := ownerOf(fi); ok {
		f.UID, f.GID = uid, gid
		f.User, f.Group = names.users[uid], names.groups[gid]
	}
}

func nameOr(name string, id uint32) string {
	if name != "" {
		return name
	}
	return strconv.FormatUint(uint64(id), 10)
}

// names maps the node's user and group ids to their names (from its /etc/passwd and
// /etc/group), as stat shows owners.
type names struct{ users, groups map[uint32]string }

// ParseIDNames reads the names and ids of an /etc/passwd or /etc/group file (name:x:id:...);
// malformed lines are skipped, the first name of an id wins.
func ParseIDNames(data []byte) map[uint32]string {
	out := map[uint32]string{}
	for line := range strings.Lines(string(data)) {
		fields := strings.SplitN(strings.TrimSpace(line), ":", 4)
		if len(fields) < 3 || fields[0] == "" || strings.HasPrefix(fields[0], "#") {
			continue
		}
		id, err := strconv.ParseUint(fields[2], 10, 32)
		if err != nil {
			continue
		}
		if _, ok := out[uint32(id)]; !ok {
			out[uint32(id)] = fields[0]
		}
	}
	return out
}

func readNames(root string) names {
	n := names{users: map[uint32]string{}, groups: map[uint32]string{}}
	if b, _, err := readCapped(hostPath(root, "/etc/passwd"), maxConfigFile); err == nil {
		n.users = ParseIDNames(b)
	}
	if b, _, err := readCapped(hostPath(root, "/etc/group"), maxConfigFile); err == nil {
		n.groups = ParseIDNames(b)
	}
	return n
}

// hostPath is where a node path is found under root.
func hostPath(root, node string) string {
	if root == "" || root == "/" {
		return node
	}
	return strings.TrimSuffix(root, "/") + node
}
