package kubecluster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// binaries are the programs the tests run.
type binaries struct {
	kube, etcd string
}

// missingError says the image builder's cache lacks a binary.
type missingError struct{ what string }

func (e *missingError) Error() string { return e.what }

func asMissing(err error, target **missingError) bool { return errors.As(err, target) }

// findBinaries finds the multi-call kube binary and etcd in the image builder's cache: a
// finished entry is _cache/external/NAME-KEY16 holding .complete and the binaries
// (internal/app/imager/external.go). The cache is the repository's _cache.
func findBinaries() (binaries, error) {
	root, err := repoRoot()
	if err != nil {
		return binaries{}, err
	}
	cache := filepath.Join(root, "_cache", "external")
	var b binaries
	if b.kube, err = cached(cache, "kubernetes", "kube"); err != nil {
		return b, err
	}
	b.etcd, err = cached(cache, "etcd", "etcd")
	return b, err
}

func cached(cache, component, binary string) (string, error) {
	dirs, _ := filepath.Glob(filepath.Join(cache, component+"-????????????????"))
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, ".complete")); err != nil {
			continue
		}
		if p := filepath.Join(d, binary); isFile(p) {
			return p, nil
		}
	}
	return "", &missingError{fmt.Sprintf("no finished %s build in %s", component, cache)}
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// repoRoot is the nearest directory above the working directory holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if isFile(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}
