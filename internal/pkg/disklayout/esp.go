package disklayout

import (
	"fmt"
	"io"
	"os"
	"path"

	"github.com/diskfs/go-diskfs/filesystem"

	"github.com/cairn-os/cairn/internal/pkg/sdboot"
)

// File is one file of a FAT boot filesystem: a copy of Src, or Data.
type File struct {
	Path, Src string
	Data      []byte
}

// FirstEntry is the boot entry of slot a on a fresh disk: generation 1, no boot counter (a
// fresh disk is not on trial), booting the kernel and disk initramfs under cairn/a/ with args
// (the image's kernel arguments and its dm-verity ones) and cairn.slot=a.
func FirstEntry(version string, args []string) sdboot.Entry {
	return sdboot.Entry{Slot: "a", Generation: 1, TriesLeft: -1, Version: version,
		Options: append(append([]string(nil), args...), "cairn.slot=a")}
}

// SlotESP lists the ESP of a fresh disk from the sources of systemd-boot, slot A's kernel
// and disk initramfs (each a File without Path): loader.conf, the kernel, the initramfs,
// slot A's entry and, last, systemd-boot as the removable-media loader. Until that last file
// is there the firmware does not boot the disk, so a write cut short never boots.
func SlotESP(loader, kernel, initramfs File, entry sdboot.Entry) []File {
	loader.Path, kernel.Path, initramfs.Path = sdboot.Bootloader, sdboot.KernelPath("a"), sdboot.InitrdPath("a")
	return []File{
		{Path: sdboot.LoaderConf, Data: []byte(sdboot.LoaderConfig)},
		kernel, initramfs,
		{Path: sdboot.EntriesDir + "/" + entry.FileName(), Data: entry.Render()},
		loader,
	}
}

// WriteFAT creates each file (and its directories) in fs, in order.
func WriteFAT(fs filesystem.FileSystem, files []File) error {
	for _, f := range files {
		if err := fs.Mkdir("/" + path.Dir(f.Path)); err != nil {
			return fmt.Errorf("mkdir %s: %w", path.Dir(f.Path), err)
		}
		if err := writeFATFile(fs, f); err != nil {
			return fmt.Errorf("write %s: %w", f.Path, err)
		}
	}
	return nil
}

// writeFATFile writes the file with one Write: go-diskfs walks the cluster chain and rewrites
// the whole FAT on every Write, so copying in small pieces is quadratic (43 s instead of 1 s
// for a 111 MB initramfs).
func writeFATFile(fs filesystem.FileSystem, f File) error {
	data := f.Data
	if f.Src != "" {
		var err error
		if data, err = os.ReadFile(f.Src); err != nil {
			return err
		}
	}
	w, err := fs.OpenFile("/"+f.Path, os.O_CREATE|os.O_RDWR|os.O_TRUNC)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}

// CopyInto copies the file src to w.
func CopyInto(w io.Writer, src string) error {
	r, err := os.Open(src)
	if err != nil {
		return err
	}
	defer func() { _ = r.Close() }()
	_, err = io.Copy(w, r)
	return err
}
