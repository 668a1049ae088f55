package facts

import (
	"bytes"
	"fmt"
	"path"
	"strings"

	"github.com/moby/sys/mountinfo"
)

// MountOf returns the mount that holds the absolute, clean path dir in a mountinfo table:
// the one with the longest mount point that is dir or a parent of it, the last listed among
// equals (it covers those before it). A mount point the kernel would never write (empty,
// relative or not clean) holds nothing.
func MountOf(mountinfoData []byte, dir string) (Mount, error) {
	within := func(mp string) bool {
		if !path.IsAbs(mp) || path.Clean(mp) != mp {
			return false
		}
		return mp == "/" || mp == dir || strings.HasPrefix(dir, strings.TrimSuffix(mp, "/")+"/")
	}
	mounts, err := mountinfo.GetMountsFromReader(bytes.NewReader(mountinfoData), func(m *mountinfo.Info) (skip, stop bool) { return !within(m.Mountpoint), false })
	if err != nil {
		return Mount{}, fmt.Errorf("mountinfo: %w", err)
	}
	var best *mountinfo.Info
	for _, m := range mounts {
		if best == nil || len(m.Mountpoint) >= len(best.Mountpoint) {
			best = m
		}
	}
	if best == nil {
		return Mount{}, fmt.Errorf("mountinfo: no mount holds %s", dir)
	}
	return Mount{Mountpoint: best.Mountpoint, Source: best.Source, FSType: best.FSType, Options: best.Options, SuperOptions: best.VFSOptions}, nil
}
