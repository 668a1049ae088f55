//go:build !linux

package facts

import "errors"

// MountOf reads a Linux mountinfo table; moby/sys/mountinfo parses it on Linux only, and
// cairnctl, which is built for other systems, never collects facts.
func MountOf(mountinfoData []byte, dir string) (Mount, error) {
	return Mount{}, errors.New("mountinfo: read on Linux only")
}
