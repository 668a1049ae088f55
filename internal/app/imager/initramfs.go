package imager

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cairn-os/cairn/internal/pkg/cpio"
	"github.com/cairn-os/cairn/internal/pkg/installpayload"
	"github.com/cairn-os/cairn/internal/pkg/kmod"
)

// InstallPayload is where the install initramfs carries the signed OS image (/init hands it
// to machined, which installs it to machine.install.disk).
const InstallPayload = installpayload.Path

// writeInitramfs writes the gzip-compressed newc archive: /init (the multi-call binary), the
// modules that reach the root with their modules.dep and load list, /dev/console and
// rootfs.sqsh; the disk initramfs (sqsh "") has no rootfs.sqsh: /init finds the root on a
// boot slot. The install initramfs also carries payload, the signed OS image, at
// InstallPayload.
func (b *builder) writeInitramfs(file, initBin, sqsh, payload string, mods *moduleIndex, dep kmod.Dep) error {
	a := cpio.NewArchive()
	add := func(name string, src string, perm uint32) error {
		data, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		return a.AddFile(name, perm, data)
	}
	if err := add("init", initBin, 0o755); err != nil {
		return err
	}
	if sqsh != "" {
		if err := add("rootfs.sqsh", sqsh, 0o444); err != nil {
			return err
		}
	}
	if payload != "" {
		if err := add(InstallPayload, payload, 0o400); err != nil {
			return err
		}
	}
	modDir := "lib/modules/" + b.m.Kernel.Release
	for p := range dep {
		if err := add(modDir+"/"+p, filepath.Join(mods.dir, p), 0o644); err != nil {
			return err
		}
	}
	var depBuf bytes.Buffer
	if err := dep.Format(&depBuf); err != nil {
		return err
	}
	load := strings.Join(b.m.Modules.Initramfs, "\n") + "\n"
	for _, err := range []error{
		a.AddFile(modDir+"/modules.dep", 0o644, depBuf.Bytes()),
		a.AddFile("etc/modules-load.d/cairn.conf", 0o644, []byte(load)),
		a.Add(cpio.Entry{Name: "dev/console", Mode: cpio.TypeChar | 0o600, RdevMajor: 5, RdevMinor: 1}),
		a.AddDir("proc", 0o755), a.AddDir("sys", 0o755), a.AddDir("newroot", 0o755),
	} {
		if err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return err
	}
	if _, err := a.WriteTo(zw, b.epoch); err != nil {
		return fmt.Errorf("write initramfs: %w", err)
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(file, buf.Bytes(), 0o644) //nolint:gosec // the image, its root and /etc are world-readable by design.
}
