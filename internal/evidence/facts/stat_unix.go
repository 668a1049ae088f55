//go:build unix

package facts

import (
	"io/fs"
	"syscall"
)

// ownerOf returns a file's owner and group.
func ownerOf(fi fs.FileInfo) (uid, gid uint32, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return st.Uid, st.Gid, true
}

// idOf returns a file's device and inode: what tells a file system apart, and a file seen twice.
func idOf(fi fs.FileInfo) ([2]uint64, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return [2]uint64{}, false
	}
	return [2]uint64{uint64(st.Dev), st.Ino}, true //nolint:unconvert // Stat_t.Dev is not a uint64 on every platform
}

// devOf returns the device of the file system that holds p.
func devOf(p string) (uint64, bool) {
	var st syscall.Stat_t
	if err := syscall.Stat(p, &st); err != nil {
		return 0, false
	}
	return uint64(st.Dev), true //nolint:unconvert // as above
}
