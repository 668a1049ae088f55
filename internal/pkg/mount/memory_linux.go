package mount

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// InMemory reports whether path is on a filesystem held in memory (tmpfs, ramfs), whose
// content a reboot loses.
func InMemory(path string) (bool, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return false, fmt.Errorf("statfs %s: %w", path, err)
	}
	return st.Type == unix.TMPFS_MAGIC || st.Type == unix.RAMFS_MAGIC, nil
}
