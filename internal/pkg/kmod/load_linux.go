package kmod

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Load loads one module file with finit_module(2). A module that is already loaded is not an
// error.
func Load(file, params string) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("load module: %w", err)
	}
	defer func() { _ = f.Close() }()
	if err := unix.FinitModule(int(f.Fd()), params, 0); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("load module %s: %w", file, err)
	}
	return nil
}

// LoadNames loads the named modules and their dependencies from dir (a directory holding
// modules.dep, usually /lib/modules/$(uname -r)). It returns how many files it loaded.
func LoadNames(log *slog.Logger, dir string, names ...string) (int, error) {
	f, err := os.Open(filepath.Join(dir, "modules.dep"))
	if err != nil {
		return 0, fmt.Errorf("load modules: %w", err)
	}
	dep, err := ParseDep(f)
	_ = f.Close()
	if err != nil {
		return 0, err
	}
	order, err := dep.Order(names...)
	if err != nil {
		return 0, err
	}
	for i, p := range order {
		if err := Load(filepath.Join(dir, p), ""); err != nil {
			return i, err
		}
		log.Debug("module loaded", "module", Name(p))
	}
	return len(order), nil
}

// Release returns the running kernel's release (uname -r).
func Release() (string, error) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "", fmt.Errorf("uname: %w", err)
	}
	return unix.ByteSliceToString(u.Release[:]), nil
}
