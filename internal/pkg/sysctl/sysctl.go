// Package sysctl reads and writes kernel parameters under /proc/sys.
package sysctl

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Root is where the parameters live; tests point it elsewhere.
var Root = "/proc/sys"

// Path returns the file of a dotted parameter name ("net.core.bpf_jit_harden").
func Path(name string) (string, error) {
	if name == "" || strings.Contains(name, "/") || strings.Contains(name, "..") || strings.HasPrefix(name, ".") {
		return "", fmt.Errorf("sysctl: invalid name %q", name)
	}
	return filepath.Join(Root, strings.ReplaceAll(name, ".", "/")), nil
}

// Set writes value to the parameter name.
func Set(name, value string) error {
	p, err := Path(name)
	if err != nil {
		return err
	}
	if err := os.WriteFile(p, []byte(value), 0o644); err != nil { //nolint:gosec // the image, its root and /etc are world-readable by design.
		return fmt.Errorf("sysctl %s=%s: %w", name, value, err)
	}
	return nil
}

// Get reads the parameter name.
func Get(name string) (string, error) {
	p, err := Path(name)
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return "", fmt.Errorf("sysctl %s: %w", name, err)
	}
	return strings.TrimSpace(string(b)), nil
}
