package installpayload

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

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
