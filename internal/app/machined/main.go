// Package machined is the node's supervisor: it holds the node's state (COSI resources), its
// configuration and audit log, runs its services (apid first), and serves the local node API on
// a unix socket that only apid reaches. In metal mode it is PID 1 and first runs the boot
// phases; in container mode it is an ordinary process for development and tests.
package machined

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"github.com/cairn-os/cairn/internal/app/machined/boot"
	"github.com/cairn-os/cairn/internal/pkg/supervisor"
	"github.com/cairn-os/cairn/pkg/machinery/constants"
)

// Modes machined runs in.
const (
	ModeContainer = "container"
	ModeMetal     = "metal"
)

// Options configure one machined.
type Options struct {
	Mode string
	// State is the directory of the node's persistent state (config, audit log).
	State string
	// Listen is the address apid serves the API on.
	Listen string
	// ConfigFile stands in for the platform's configuration source.
	ConfigFile string
	// Socket is machined's unix socket (default State/machined.sock).
	Socket string
	// Executable is the multi-call binary services are started from (default: this one).
	Executable string
	// Root is the image root the evidence API describes (its SBOM and executables): "/" on a
	// node; a container-mode node may be given a staged image root.
	Root string
	// Stderr receives the console output (the maintenance fingerprint, logs).
	Stderr io.Writer
}

// Main parses the command line and runs machined until ctx ends or the node shuts down.
func Main(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("machined", flag.ContinueOnError)
	o := Options{Stderr: os.Stderr}
	fs.StringVar(&o.Mode, "mode", ModeMetal, "container or metal")
	fs.StringVar(&o.State, "state", "", "state directory (container mode; default /system/state in metal mode)")
	fs.StringVar(&o.Listen, "listen", net.JoinHostPort("0.0.0.0", strconv.Itoa(constants.APIPort)), "address of the node API")
	fs.StringVar(&o.ConfigFile, "config", "", "machine configuration file (the platform's config source)")
	fs.StringVar(&o.Socket, "socket", "", "machined's unix socket (default STATE/machined.sock)")
	fs.StringVar(&o.Root, "root", "/", "the image root the evidence API describes (container mode: a staged image root)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := o.complete(); err != nil {
		return err
	}
	return Run(ctx, o)
}

func (o *Options) complete() error {
	switch o.Mode {
	case ModeContainer:
		if o.State == "" {
			return errors.New("--state is required in container mode")
		}
	case ModeMetal:
		if o.State == "" {
			o.State = boot.StateDir
		}
	default:
		return fmt.Errorf("--mode %q: want container or metal", o.Mode)
	}
	if _, _, err := net.SplitHostPort(o.Listen); err != nil {
		return fmt.Errorf("--listen %q: %w", o.Listen, err)
	}
	abs, err := filepath.Abs(o.State)
	if err != nil {
		return fmt.Errorf("--state %q: %w", o.State, err)
	}
	o.State = abs
	if o.Socket == "" {
		o.Socket = filepath.Join(o.State, "machined.sock")
		if o.Mode == ModeMetal {
			o.Socket = "/run/cairn/machined.sock" // tmpfs: never on the STATE partition
		}
	}
	if o.Executable == "" {
		if o.Executable, err = os.Executable(); err != nil {
			return fmt.Errorf("find own executable: %w", err)
		}
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}

	return nil
}

// Run runs machined with complete options.
func Run(ctx context.Context, o Options) error {
	ring := supervisor.NewRing(1 << 20)
	log := slog.New(slog.NewTextHandler(io.MultiWriter(o.Stderr, ring), nil)).With("component", "machined")
	// Metal mode: the boot phases run first (boot.Start), then machined continues exactly as
	// in container mode; as PID 1 it never exits (boot.End reboots or powers off).
	if o.Mode == ModeMetal {
		o.ConfigFile = boot.Start(ctx, log, o.ConfigFile)
	}
	n, err := newNode(log, ring, o)
	if err == nil {
		err = n.run(ctx)
	}
	if o.Mode == ModeMetal {
		boot.End(log, err)
	}
	return err
}
