// Package installpayload hands the signed OS image an install initramfs carries from /init to
// machined. The cloud kernel cannot read a CD on AHCI, so the node never reads its boot
// medium: /init opens Path before it frees the initramfs and passes the open descriptor
// across exec (its number in the environment variable Env); the unlinked file's pages live as
// long as the descriptor. A kernel-booted image has no payload: it never installs.
package installpayload

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// Path is where the install initramfs carries the signed OS image (relative to its root).
const Path = "install/cairn.img"

// Env names the environment variable that carries the payload's descriptor number.
const Env = "CAIRN_INSTALL_FD"

// maxFD bounds the descriptor number accepted from the environment.
const maxFD = 1 << 16

// Open opens root/Path, when there is one, as a descriptor that survives exec and returns
// the environment entry naming it ("" without a payload).
func Open(root string) (string, error) {
	p := root + "/" + Path
	if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	fd, err := unix.Open(p, unix.O_RDONLY, 0) // no O_CLOEXEC: machined inherits it
	if err != nil {
		return "", fmt.Errorf("open the install payload %s: %w", p, err)
	}
	return Env + "=" + strconv.Itoa(fd), nil
}

// ParseFD reads the descriptor number of Env's value.
func ParseFD(s string) (int, error) {
	fd, err := strconv.Atoi(s)
	if err != nil || fd < 3 || fd > maxFD || strconv.Itoa(fd) != s {
		return 0, fmt.Errorf("%s=%q: want a descriptor number from 3 to %d", Env, s, maxFD)
	}
	return fd, nil
}

// Take returns the payload /init handed over (nil, nil when there is none), removes Env from
// the environment and marks the descriptor close-on-exec, so no service inherits either. The
// descriptor must be a non-empty regular file.
func Take() (*os.File, error) {
	s, ok := os.LookupEnv(Env)
	if !ok {
		return nil, nil
	}
	_ = os.Unsetenv(Env)
	fd, err := ParseFD(s)
	if err != nil {
		return nil, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, fmt.Errorf("install payload (descriptor %d): %w", fd, err)
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC); err != nil {
		return nil, fmt.Errorf("install payload (descriptor %d): %w", fd, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG || st.Size <= 0 {
		return nil, fmt.Errorf("install payload (descriptor %d): not a non-empty regular file (mode %#o, %d bytes)", fd, st.Mode, st.Size)
	}
	return os.NewFile(uintptr(fd), "install payload (/"+Path+")"), nil
}
