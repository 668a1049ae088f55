// Package atomicfile writes files so that readers see either the old content or the new, never
// a partial file, with the permissions set before the file appears.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Write writes data to path with the given permissions through a temporary file in the same
// directory. Unless overwrite is set, an existing path is left alone and the error wraps
// fs.ErrExist.
func Write(path string, data []byte, perm fs.FileMode, overwrite bool) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmpName)
		}
	}()
	if err := writeAndSync(tmp, data, perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if overwrite {
		if err := os.Rename(tmpName, path); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		return nil
	}
	return linkNew(tmpName, path)
}

// writeAndSync fills and closes f, sets its permissions and flushes it to disk.
func writeAndSync(f *os.File, data []byte, perm fs.FileMode) error {
	_, werr := f.Write(data)
	cerr := f.Chmod(perm)
	if errors.Is(cerr, errors.ErrUnsupported) {
		cerr = nil
	}
	serr := f.Sync()
	closeErr := f.Close()
	return errors.Join(werr, cerr, serr, closeErr)
}

// linkNew moves tmp to path only if path does not exist. It hard-links where the filesystem
// can, so the check and the creation are one step, and otherwise checks then renames.
func linkNew(tmp, path string) error {
	err := os.Link(tmp, path)
	if err == nil {
		_ = os.Remove(tmp)
		return nil
	}
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s already exists: %w", path, fs.ErrExist)
	}
	if _, statErr := os.Lstat(path); statErr == nil {
		return fmt.Errorf("%s already exists: %w", path, fs.ErrExist)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
