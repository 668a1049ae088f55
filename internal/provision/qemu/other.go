//go:build !linux

package qemu

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
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

// Create is Linux-only.
func Create(*Plan) error { return errLinuxOnly }

// Stop is Linux-only.
func Stop(string, io.Writer) error { return errLinuxOnly }

// Restart is Linux-only.
func Restart(context.Context, string, string, []string, io.Writer) (*State, error) {
	return nil, errLinuxOnly
}

// SetNodes is Linux-only.
func SetNodes(context.Context, string, []string, bool) (*State, error) { return nil, errLinuxOnly }

// DaemonRunning is Linux-only.
func DaemonRunning(string, *State) bool { return false }

func dialQMP(string, string) (net.Conn, error) { return nil, errLinuxOnly }
