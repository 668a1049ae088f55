package sandbox

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/moby/sys/mountinfo"
)

// Cgroup2Mount returns where the cgroup v2 hierarchy is mounted (the first cgroup2 mount in
// /proc/self/mountinfo: /sys/fs/cgroup on a node, often /sys/fs/cgroup/unified on a hybrid
// development host).
func Cgroup2Mount() (string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", fmt.Errorf("read mountinfo: %w", err)
	}
	defer func() { _ = f.Close() }()
	return FindCgroup2(f)
}

// FindCgroup2 returns the mount point of the first cgroup2 mount in a mountinfo table, read
// with moby/sys/mountinfo.
func FindCgroup2(r io.Reader) (string, error) {
	mounts, err := mountinfo.GetMountsFromReader(r, mountinfo.FSTypeFilter("cgroup2"))
	if err != nil {
		return "", fmt.Errorf("read mountinfo: %w", err)
	}
	if len(mounts) == 0 {
		return "", errors.New("no cgroup2 mount")
	}
	return mounts[0].Mountpoint, nil
}
