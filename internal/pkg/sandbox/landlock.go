package sandbox

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// NameServiceFiles are the only files a networked service without disk access may read: what
// Go's resolver and time zone code open.
var NameServiceFiles = []string{"/etc/hosts", "/etc/resolv.conf", "/etc/nsswitch.conf", "/etc/localtime"}

// ErrNotEnforced is returned by DenyFiles when the kernel or the binary cannot enforce it.
var ErrNotEnforced = errors.New("file access not restricted")

// fsRights are the file system rights Landlock handles, by ABI version (index ABI-1).
var fsRights = []uint64{
	1<<13 - 1, // ABI 1: execute .. make_sym
	1<<14 - 1, // ABI 2: + refer
	1<<15 - 1, // ABI 3: + truncate
	1<<15 - 1, // ABI 4: network only
	1<<16 - 1, // ABI 5: + ioctl_dev
}

// HandledRights returns the file system rights a kernel of Landlock ABI abi enforces.
func HandledRights(abi int) uint64 {
	switch {
	case abi < 1:
		return 0
	case abi > len(fsRights):
		return fsRights[len(fsRights)-1]
	}
	return fsRights[abi-1]
}

// DenyFiles takes away, for good and from every thread, all access to the file system but
// reading the files in readable (those that exist). Connecting to a unix socket by path stays
// possible. It fails with ErrNotEnforced (wrapped) when the kernel has no Landlock or when the
// runtime cannot reach every thread (a cgo binary on a kernel without Landlock's TSYNC).
func DenyFiles(readable []string) error {
	abi, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	if errno != 0 {
		return fmt.Errorf("%w: no Landlock in this kernel: %w", ErrNotEnforced, errno)
	}
	handled := HandledRights(int(abi))
	attr := unix.LandlockRulesetAttr{Handled_access_fs: handled}
	// 8 bytes: only handled_access_fs, which every Landlock ABI knows.
	fd, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, uintptr(unsafe.Pointer(&attr)), 8, 0) //nolint:gosec // G103: the Landlock syscalls take a struct pointer and x/sys has no wrapper
	if errno != 0 {
		return fmt.Errorf("create Landlock ruleset: %w", errno)
	}
	defer func() { _ = unix.Close(int(fd)) }()
	for _, p := range readable {
		if err := allowRead(int(fd), p); err != nil {
			return err
		}
	}
	return restrictAllThreads(int(fd))
}

// allowRead adds a rule that lets path (a file) be read; a missing path is skipped.
func allowRead(ruleset int, path string) error {
	f, err := os.OpenFile(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("landlock rule for %s: %w", path, err)
	}
	defer func() { _ = f.Close() }()
	rule := unix.LandlockPathBeneathAttr{Allowed_access: unix.LANDLOCK_ACCESS_FS_READ_FILE, Parent_fd: int32(f.Fd())}
	_, _, errno := unix.Syscall6(unix.SYS_LANDLOCK_ADD_RULE, uintptr(ruleset), unix.LANDLOCK_RULE_PATH_BENEATH, uintptr(unsafe.Pointer(&rule)), 0, 0, 0) //nolint:gosec // G103: the Landlock syscalls take a struct pointer and x/sys has no wrapper
	if errno != 0 {
		return fmt.Errorf("landlock rule for %s: %w", path, errno)
	}
	return nil
}

// restrictAllThreads enforces the ruleset on every thread of the process: with the kernel's
// TSYNC where it exists, else through the runtime (not possible in a cgo binary).
func restrictAllThreads(ruleset int) error {
	_, _, errno := unix.Syscall(unix.SYS_LANDLOCK_RESTRICT_SELF, uintptr(ruleset), unix.LANDLOCK_RESTRICT_SELF_TSYNC, 0)
	if errno == 0 {
		return nil
	}
	if errno != unix.EINVAL {
		return fmt.Errorf("enforce Landlock ruleset: %w", errno)
	}
	_, _, errno = syscall.AllThreadsSyscall(unix.SYS_LANDLOCK_RESTRICT_SELF, uintptr(ruleset), 0, 0)
	switch {
	case errno == 0:
		return nil
	case errors.Is(errno, syscall.ENOTSUP):
		return fmt.Errorf("%w: a cgo binary on a kernel without Landlock TSYNC cannot restrict every thread", ErrNotEnforced)
	default:
		return fmt.Errorf("enforce Landlock ruleset: %w", errno)
	}
}
