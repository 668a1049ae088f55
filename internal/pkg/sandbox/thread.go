package sandbox

import (
	"fmt"
	"slices"

	"golang.org/x/sys/unix"
)

// PrepareThread sets no_new_privs (when asked) on the calling thread and, when the thread may
// (CAP_SETPCAP), drops every capability but keep from its bounding set. Both are per thread
// and pass to processes the thread starts. The caller must have locked its goroutine to the
// thread (runtime.LockOSThread) and must never unlock it, so that the runtime discards the
// thread when the goroutine ends.
func PrepareThread(noNewPrivs bool, keep []uintptr) error {
	if noNewPrivs {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return fmt.Errorf("set no_new_privs: %w", err)
		}
	}
	st, err := readStatus("/proc/thread-self/status")
	if err != nil {
		return err
	}
	if st.CapEff&(1<<unix.CAP_SETPCAP) == 0 {
		return nil
	}
	for _, c := range Drop(st.CapBnd, keep) {
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, c, 0, 0, 0); err != nil {
			return fmt.Errorf("drop capability %d from the bounding set: %w", c, err)
		}
	}
	return nil
}

// Drop lists the capabilities of set that are not in keep.
func Drop(set uint64, keep []uintptr) []uintptr {
	var out []uintptr
	for c := uintptr(0); c < 64; c++ {
		if set&(1<<c) != 0 && !slices.Contains(keep, c) {
			out = append(out, c)
		}
	}
	return out
}
