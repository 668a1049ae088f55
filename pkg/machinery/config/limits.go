package config

import (
	"fmt"
	"io"
	"os"
)

// MaxSize is the largest machine configuration accepted, in bytes, everywhere one is read:
// files, the API, patches. A real configuration is a few kilobytes; the bound keeps decoding
// a hostile one to a fraction of a second and a few megabytes.
const MaxSize = 1 << 20

// CheckSize refuses data larger than MaxSize, naming what it is.
func CheckSize(what string, size int64) error {
	if size > MaxSize {
		return fmt.Errorf("%s is %d bytes, more than the limit of %d bytes (%d MiB)", what, size, MaxSize, MaxSize>>20)
	}
	return nil
}

// ReadFile reads a configuration or patch file, refusing one larger than MaxSize without
// reading more than that.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, err
	}
	if err := CheckSize(path, int64(len(data))); err != nil {
		return nil, err
	}
	return data, nil
}
