package harness

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cairn-os/cairn/bench/compare/surface"
	"github.com/cairn-os/cairn/internal/app/imager"
)

// surfaces runs surface.sh on both root filesystems: Debian's directory as built, Cairn's
// rootfs.sqsh unpacked into a scratch directory.
func (r *runner) surfaces(ctx context.Context, cairn, deb *image) error {
	root := filepath.Join(r.work, "cairn-root")
	if err := r.command(ctx, "cairn-unsquashfs.log", "unsquashfs", "-no-progress", "-d", root, cairn.Rootfs); err != nil {
		return err
	}
	var err error
	if r.res.cairn.surface, err = r.surface(ctx, root, "surface-cairn.txt"); err != nil {
		return err
	}
	if err := os.RemoveAll(root); err != nil {
		return err
	}
	if r.res.debian.surface, err = r.surface(ctx, deb.Rootfs, "surface-debian.txt"); err != nil {
		return err
	}
	m, err := imager.DefaultManifest()
	if err != nil {
		return err
	}
	// Cairn has no package database: count what its image manifest pins (the kernel, our Go
	// binaries, the third-party components in its root).
	r.res.cairn.components = 1 + len(m.Binaries) + len(m.RootExternals())
	r.res.debian.components = r.res.debian.surface.Packages
	return nil
}

func (r *runner) surface(ctx context.Context, dir, logName string) (*surface.Figures, error) {
	script := filepath.Join(r.abs(r.o.Peers), "surface.sh")
	r.log.Info("running surface.sh", "rootfs", dir)
	r.res.commands = append(r.res.commands, script+" "+dir)
	var out, errb bytes.Buffer
	cmd := groupCommand(ctx, script, dir)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("surface.sh %s: %w: %s", dir, err, errb.String())
	}
	if err := os.WriteFile(r.logPath(logName), out.Bytes(), 0o600); err != nil {
		return nil, err
	}
	f, err := surface.Parse(&out)
	if err != nil {
		return nil, fmt.Errorf("surface.sh %s: %w", dir, err)
	}
	return f, nil
}
