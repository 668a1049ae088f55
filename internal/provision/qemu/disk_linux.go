package qemu

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// prepareDisk makes the node's disk unless it exists (it persists across stop and start):
// a sparse empty disk for the kernel boot, the raw image copied sparse and extended for the
// disk boot, with the node's own copy of the UEFI variables.
func (p *Plan) prepareDisk(n Node) error {
	size := int64(p.DiskGiB) << 30
	if p.Boot != BootDisk && p.Boot != BootISO {
		return sparseFile(n.Disk, size)
	}
	if err := copyOnce(OVMFVars, p.varsFile(n), 0); err != nil {
		return fmt.Errorf("UEFI variables of %s (apt-get install ovmf): %w", n.Name, err)
	}
	if p.Boot == BootISO {
		return sparseFile(n.Disk, size) // blank: the node installs to it
	}
	if err := copyOnce(filepath.Join(p.Image, RawImage), n.Disk, size); err != nil {
		return fmt.Errorf("disk of %s: %w", n.Name, err)
	}
	return nil
}

// copyOnce copies src to dst, keeping holes, and extends it to size (0: src's size), unless
// dst exists. It writes dst+".part" and renames it when complete.
func copyOnce(src, dst string, size int64) error {
	if _, err := os.Stat(dst); err == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	if size == 0 {
		size = fi.Size()
	}
	if size < fi.Size() {
		return fmt.Errorf("%s is %d bytes, more than the disk's %d: give a larger --disk", src, fi.Size(), size)
	}
	tmp := dst + partSuffix
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	err = copySparse(out, in, fi.Size())
	if err == nil {
		err = out.Truncate(size)
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	return nil
}

// copySparse copies the data extents of in (found with SEEK_DATA/SEEK_HOLE) to the same
// offsets of out, leaving holes as holes.
func copySparse(out, in *os.File, size int64) error {
	for off := int64(0); off < size; {
		data, err := unix.Seek(int(in.Fd()), off, unix.SEEK_DATA)
		if errors.Is(err, unix.ENXIO) {
			return nil // only a hole up to the end
		}
		if err != nil {
			return err
		}
		hole, err := unix.Seek(int(in.Fd()), data, unix.SEEK_HOLE)
		if err != nil {
			return err
		}
		if err := copyRange(out, in, data, hole); err != nil {
			return err
		}
		off = hole
	}
	return nil
}

// copyRange copies bytes [from, to) of in to the same offsets of out with copy_file_range(2).
func copyRange(out, in *os.File, from, to int64) error {
	roff, woff := from, from
	for roff < to {
		n, err := unix.CopyFileRange(int(in.Fd()), &roff, int(out.Fd()), &woff, int(to-roff), 0)
		if err != nil {
			return err
		}
		if n == 0 {
			return io.ErrUnexpectedEOF
		}
	}
	return nil
}
