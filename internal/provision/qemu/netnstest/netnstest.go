//go:build linux

// Package netnstest creates named network namespaces for tests, as another cluster (or
// anyone) would, without touching how /run/netns is mounted (as `ip netns add` does).
package netnstest

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Dir is where named namespaces are mounted.
const Dir = "/run/netns"

// Make creates the named namespace, removes it when the test ends and returns its inode.
func Make(t testing.TB, name string) uint64 {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("this test creates network namespaces: run it as root")
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread moved to the new namespace is discarded.
		h, err := netns.NewNamed(name)
		if err == nil {
			_ = h.Close()
		}
		errc <- err
	}()
	if err := <-errc; err != nil {
		t.Fatalf("create namespace %s: %v", name, err)
	}
	file := filepath.Join(Dir, name)
	t.Cleanup(func() {
		_ = unix.Unmount(file, unix.MNT_DETACH)
		_ = os.Remove(file)
	})
	return Inode(t, name)
}

// Inode returns the inode of the named namespace, 0 when there is none.
func Inode(t testing.TB, name string) uint64 {
	t.Helper()
	var st unix.Stat_t
	err := unix.Stat(filepath.Join(Dir, name), &st)
	if errors.Is(err, unix.ENOENT) {
		return 0
	}
	if err != nil {
		t.Fatalf("stat namespace %s: %v", name, err)
	}
	return st.Ino
}
