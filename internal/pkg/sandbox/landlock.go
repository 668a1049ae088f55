package sandbox

import (
	"errors"
	"fmt"

	"github.com/landlock-lsm/go-landlock/landlock"
	llsyscall "github.com/landlock-lsm/go-landlock/landlock/syscall"
)

// NameServiceFiles are the only files a networked service without disk access may read: what
// Go's resolver and time zone code open.
var NameServiceFiles = []string{"/etc/hosts", "/etc/resolv.conf", "/etc/nsswitch.conf", "/etc/localtime"}

// ErrNotEnforced is returned by DenyFiles when the kernel cannot enforce it.
var ErrNotEnforced = errors.New("file access not restricted")

// fileRules is the Landlock ABI whose file system rights DenyFiles handles, best effort on
// older kernels: ABI 5 covers every file right (execute .. ioctl_dev). Later ABIs also handle
// connecting to a unix socket by path, which a service must keep to reach machined.
var fileRules = landlock.V5.BestEffort()

// DenyFiles takes away, for good and from every thread, all access to the file system but
// reading the files in readable (those that exist), through go-landlock. Connecting to a unix
// socket by path stays possible. It fails with ErrNotEnforced (wrapped) when the kernel has no
// Landlock.
func DenyFiles(readable []string) error {
	abi, err := llsyscall.LandlockGetABIVersion()
	if err != nil || abi < 1 {
		return fmt.Errorf("%w: no Landlock in this kernel (ABI %d): %w", ErrNotEnforced, abi, err)
	}
	if err := fileRules.RestrictPaths(landlock.ROFiles(readable...).IgnoreIfMissing()); err != nil {
		return fmt.Errorf("enforce Landlock ruleset: %w", err)
	}
	return nil
}
