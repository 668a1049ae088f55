package qemu

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// lockDir holds one lock file per running cluster name, shared by every state directory: the
// cluster daemon holds NAME.lock while it runs, so a second cluster of the same name (from
// any state directory) cannot start.
var lockDir = "/run/cairn/clusters"

// netnsDir is where named network namespaces are bind-mounted (as `ip netns` does).
var netnsDir = "/run/netns"

// owned records the namespace a cluster's daemon created, by its inode: destroy removes a
// namespace only when the one mounted under that name is still this record's.
type owned struct {
	Netns string `json:"netns"`
	Inode uint64 `json:"inode"`
}

// netnsInode returns the inode of the namespace mounted as name (0 when there is none).
func netnsInode(name string) (uint64, error) {
	var st unix.Stat_t
	err := unix.Stat(filepath.Join(netnsDir, name), &st)
	if errors.Is(err, unix.ENOENT) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("stat network namespace %s: %w", name, err)
	}
	return st.Ino, nil
}

// recordNetns writes the ownership record of the namespace just created by this cluster.
func recordNetns(dir, name string) error {
	ino, err := netnsInode(name)
	if err != nil {
		return err
	}
	if ino == 0 {
		return fmt.Errorf("network namespace %s vanished after its creation", name)
	}
	return writeJSON(filepath.Join(dir, ownedFile), owned{Netns: name, Inode: ino})
}

// ownsNetns reports whether the namespace mounted as name is the one the cluster in dir
// created.
func ownsNetns(dir, name string) bool {
	var o owned
	if err := readJSON(filepath.Join(dir, ownedFile), &o); err != nil || o.Netns != name {
		return false
	}
	ino, err := netnsInode(name)
	return err == nil && ino != 0 && ino == o.Inode
}

// deleteOwnNetns deletes the cluster's namespace if this cluster created it, and says what it
// did.
func deleteOwnNetns(dir, name string) (string, error) {
	ino, err := netnsInode(name)
	switch {
	case err != nil:
		return "", err
	case ino == 0:
		return fmt.Sprintf("namespace %s already gone", name), nil
	case !ownsNetns(dir, name):
		return fmt.Sprintf("namespace %s left alone: this cluster did not create it", name), nil
	}
	if err := deleteNetns(name); err != nil {
		return "", err
	}
	return fmt.Sprintf("namespace %s removed", name), nil
}

// lock takes the exclusive lock of the cluster name and writes the owner's directory in it.
// The lock lasts as long as the returned file is open (or its process lives).
func lock(name, dir string) (*os.File, error) {
	if err := os.MkdirAll(lockDir, 0o700); err != nil {
		return nil, err
	}
	file := filepath.Join(lockDir, name+".lock")
	f, err := os.OpenFile(file, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		_ = f.Close()
		owner, _ := os.ReadFile(file)
		return nil, fmt.Errorf("%w: a cluster named %q is running with its state in %s (lock %s)", ErrExists, name, strings.TrimSpace(string(owner)), file)
	}
	if err := f.Truncate(0); err != nil {
		_ = f.Close()
		return nil, err
	}
	if _, err := f.WriteAt([]byte(dir+"\n"), 0); err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}

// CheckFree fails if a cluster of this name runs (its lock is held) or its namespace exists,
// whatever state directory it came from.
func CheckFree(name string) error {
	f, err := lock(name, "")
	if err != nil {
		return err
	}
	_ = f.Close()
	ns := "cairn-" + name
	if ino, err := netnsInode(ns); err != nil || ino != 0 {
		return errors.Join(err, fmt.Errorf("%w: network namespace %s exists (a cluster named %q from another state directory?)", ErrExists, ns, name))
	}
	return nil
}

// Create makes the cluster's directory, exclusively, and writes its plan. It fails if the
// directory, a running cluster of that name or its namespace exists.
func Create(p *Plan) error {
	if err := CheckFree(p.Name); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p.Dir), 0o700); err != nil {
		return err
	}
	if err := os.Mkdir(p.Dir, 0o700); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%w: %s (cairnctl cluster destroy --name %s)", ErrExists, p.Dir, p.Name)
		}
		return err
	}
	return writeJSON(filepath.Join(p.Dir, planFile), p)
}
