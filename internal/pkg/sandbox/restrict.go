package sandbox

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// Restrict is the first thing a service without privileges does: it sets no_new_privs on
// every thread (a no-op when machined already set it before starting the service) and then
// verifies from /proc/self/task/*/status that no thread holds an effective, permitted or
// ambient capability and that every thread has no_new_privs set. It fails otherwise: a service
// started with privileges must not run. It returns the status of the main thread and warnings
// for what it cannot fix (a bounding set left non-empty by an unprivileged machined).
func Restrict() (Status, []string, error) {
	if err := setNoNewPrivs(); err != nil {
		return Status{}, nil, err
	}
	threads, err := readThreads("/proc/self/task")
	if err != nil {
		return Status{}, nil, err
	}
	warnings, err := Check(threads)
	if err != nil {
		return Status{}, nil, err
	}
	main, err := readStatus("/proc/self/status")
	return main, warnings, err
}

// setNoNewPrivs sets no_new_privs on every thread. Where the runtime cannot reach every
// thread (a cgo binary), it sets it on the calling one and leaves the rest to Check.
func setNoNewPrivs() error {
	_, _, errno := syscall.AllThreadsSyscall(syscall.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0)
	switch {
	case errno == 0:
		return nil
	case errors.Is(errno, syscall.ENOTSUP):
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return fmt.Errorf("set no_new_privs: %w", err)
		}
		return nil
	default:
		return fmt.Errorf("set no_new_privs on every thread: %w", errno)
	}
}

// Check decides whether threads are restricted enough to run a service without privileges.
func Check(threads []Status) ([]string, error) {
	if len(threads) == 0 {
		return nil, errors.New("no thread status to check")
	}
	var warnings []string
	for i, t := range threads {
		switch {
		case t.CapEff != 0 || t.CapPrm != 0 || t.CapAmb != 0:
			return nil, fmt.Errorf("thread %d holds capabilities (CapEff=%016x CapPrm=%016x CapAmb=%016x): this service runs without any; start it from machined, which drops them", i, t.CapEff, t.CapPrm, t.CapAmb)
		case !t.NoNewPrivs:
			return nil, fmt.Errorf("thread %d has no_new_privs unset", i)
		}
	}
	if b := threads[0].CapBnd; b != 0 {
		warnings = append(warnings, fmt.Sprintf("capability bounding set is not empty (CapBnd=%016x): only a privileged machined can empty it", b))
	}
	if threads[0].UID[1] == 0 {
		warnings = append(warnings, "running as uid 0 without capabilities: only a privileged machined can switch to the service's own uid")
	}
	return warnings, nil
}

func readThreads(dir string) ([]Status, error) {
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list threads: %w", err)
	}
	out := make([]Status, 0, len(tasks))
	for _, t := range tasks {
		st, err := readStatus(filepath.Join(dir, t.Name(), "status"))
		if errors.Is(err, os.ErrNotExist) {
			continue // the thread exited
		}
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

func readStatus(path string) (Status, error) {
	f, err := os.Open(path)
	if err != nil {
		return Status{}, fmt.Errorf("read %s: %w", path, err)
	}
	defer func() { _ = f.Close() }()
	st, err := ParseStatus(f)
	if err != nil {
		return Status{}, fmt.Errorf("%s: %w", path, err)
	}
	return st, nil
}

// Log reports what Restrict found.
func Log(log *slog.Logger, st Status, warnings []string) {
	log.Info("sandboxed", "uid", st.UID[1], "gid", st.GID[1], "groups", st.Groups,
		"cap_eff", fmt.Sprintf("%016x", st.CapEff), "cap_bnd", fmt.Sprintf("%016x", st.CapBnd), "no_new_privs", st.NoNewPrivs)
	for _, w := range warnings {
		log.Warn("sandbox incomplete", "reason", w)
	}
}
