package sandbox

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/cairn-os/cairn/internal/pkg/seccomp"
)

// Report is what Restrict found and did.
type Report struct {
	// Status is the main thread's status after restriction.
	Status
	// FilesDenied is true when Landlock took away all file access but reading the readable
	// files.
	FilesDenied bool
	// Syscalls names the seccomp allowlist installed, "" when none is.
	Syscalls string
	// Warnings name what could not be restricted (an unprivileged machined, a kernel without
	// Landlock).
	Warnings []string
}

// Restrict is the first thing a service without privileges does: it sets no_new_privs on
// every thread (a no-op when machined already set it before starting the service) and then
// verifies from /proc/self/task/*/status that no thread holds an effective, permitted or
// ambient capability and that every thread has no_new_privs set; it fails otherwise: a
// service started with privileges must not run. Last it takes away all file access but
// reading the readable files (DenyFiles); where the kernel or binary cannot, it warns. Then
// it installs the system-call allowlist syscalls (a cgo build, whose C library makes calls the
// reviewed lists do not hold, only warns: the image is built without cgo).
func Restrict(readable []string, syscalls seccomp.Profile) (Report, error) {
	if err := setNoNewPrivs(); err != nil {
		return Report{}, err
	}
	threads, err := readThreads("/proc/self/task")
	if err != nil {
		return Report{}, err
	}
	warnings, err := Check(threads)
	if err != nil {
		return Report{}, err
	}
	main, err := readStatus("/proc/self/status")
	if err != nil {
		return Report{}, err
	}
	r := Report{Status: main, Warnings: warnings}
	switch err := DenyFiles(readable); {
	case err == nil:
		r.FilesDenied = true
	case errors.Is(err, ErrNotEnforced):
		r.Warnings = append(r.Warnings, err.Error())
	default:
		return Report{}, err
	}
	if cgoBuild() {
		r.Warnings = append(r.Warnings, "seccomp allowlist "+syscalls.Name+" not installed: this binary is a cgo build")
		return r, nil
	}
	if err := seccomp.Install(syscalls); err != nil {
		return Report{}, err
	}
	r.Syscalls = syscalls.Name
	return r, nil
}

// cgoBuild reports whether this binary was built with cgo.
func cgoBuild() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "CGO_ENABLED" {
			return s.Value == "1"
		}
	}
	return false
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

// Log reports what Restrict found and did.
func (r Report) Log(log *slog.Logger) {
	log.Info("sandboxed", "uid", r.UID[1], "gid", r.GID[1], "groups", r.Groups,
		"cap_eff", fmt.Sprintf("%016x", r.CapEff), "cap_bnd", fmt.Sprintf("%016x", r.CapBnd),
		"no_new_privs", r.NoNewPrivs, "files_denied", r.FilesDenied, "seccomp", r.Syscalls)
	for _, w := range r.Warnings {
		log.Warn("sandbox incomplete", "reason", w)
	}
}
