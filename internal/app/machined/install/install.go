// Package install writes a Cairn disk from the signed OS image a node booted from an ISO or
// PXE carries (installpayload): the signature is checked against the node's trusted keys
// before the disk is opened; a disk that holds data is refused unless wiping was asked for;
// then the GPT and slot A are written (disklayout, as in a raw image), STATE is formatted
// and receives the node's in-RAM STATE, and the ESP is written with the boot loader last, so
// that the disk boots only once everything else is on it.
package install

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"
)

// Timeout bounds an install: verifying, writing about 200 MiB, formatting STATE.
const Timeout = 15 * time.Minute

// minDisk is the smallest disk installed to: the layout and 256 MiB for EPHEMERAL (the
// least machined adds at the first boot from the disk).
const minEphemeral = 256 << 20

// ErrRefused marks an install refused before anything was written to the disk.
var ErrRefused = errors.New("install refused, nothing was written")

// Options are the inputs of one install.
type Options struct {
	Log *slog.Logger
	// Payload is the signed OS image (the descriptor /init handed over) and Size its length.
	Payload io.ReaderAt
	Size    int64
	// Trusted are machine.upgrade.trustedKeys.
	Trusted []*ecdsa.PublicKey
	// Disk is machine.install.disk; Wipe is machine.install.wipe.
	Disk string
	Wipe bool
	// FillState formats STATE on the written disk and copies the node's STATE into it
	// (FillStateDir in machined; a unit test of the layout on a file passes its own).
	FillState func(ctx context.Context, disk string) error
	// Progress reports each step (console, log, machine status).
	Progress func(step string)
}

// Result is what an install wrote.
type Result struct {
	Version, Signer string
	Took            time.Duration
}

// Run installs the payload to the disk. An error wrapping ErrRefused means the disk was not
// touched; any other error may leave a partly written disk that does not boot (its boot
// loader is written last).
func Run(ctx context.Context, o Options) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	start := time.Now()
	o.Progress(fmt.Sprintf("checking the signed OS image (%d MiB) against machine.upgrade.trustedKeys", o.Size>>20))
	img, err := verify(ctx, o.Payload, o.Size, o.Trusted)
	if err != nil {
		return Result{}, fmt.Errorf("%w: %w", ErrRefused, err)
	}
	o.Progress(fmt.Sprintf("image %s signed by trusted key %s; checking %s", img.Manifest.Version, short(img.Signer), o.Disk))
	d, err := openDisk(o.Disk, o.Wipe)
	if err != nil {
		return Result{}, err
	}
	defer d.close()
	if err := d.prepare(o.Progress); err != nil {
		return Result{}, err
	}
	if err := write(ctx, d, o, img); err != nil {
		return Result{}, fmt.Errorf("install to %s: %w (the disk does not boot: its boot loader is written last)", o.Disk, err)
	}
	return Result{Version: img.Manifest.Version, Signer: img.Signer, Took: time.Since(start)}, nil
}

// short abbreviates a key ID for messages.
func short(id string) string {
	if len(id) > 16 {
		return id[:16]
	}
	return id
}
