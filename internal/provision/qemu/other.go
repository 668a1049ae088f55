//go:build !linux

package qemu

import (
	"context"
	"errors"
	"io"
	"log/slog"
)

var errLinuxOnly = errors.New("QEMU clusters run on Linux only")

// Serve is Linux-only.
func Serve(context.Context, *slog.Logger, string) error { return errLinuxOnly }

// Start is Linux-only.
func Start(context.Context, *Plan, string, []string, io.Writer) (*State, error) {
	return nil, errLinuxOnly
}

// Destroy is Linux-only.
func Destroy(string, io.Writer) error { return errLinuxOnly }

// Running is Linux-only.
func (s *State) Running(string) bool { return false }

// ErrExists is returned when a cluster directory is already there.
var ErrExists = errors.New("cluster already exists")
