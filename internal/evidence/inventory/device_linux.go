package inventory

import (
	"io/fs"
	"syscall"
)

// deviceOf is the device a file is on, so that a scan stays on one file system.
func deviceOf(info fs.FileInfo) (uint64, bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return st.Dev, true
}
