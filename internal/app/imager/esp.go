package imager

import (
	"fmt"
	"io"
	"os"
	"path"

	"github.com/diskfs/go-diskfs/filesystem"

	"github.com/cairn-os/cairn/internal/pkg/sdboot"
)

// espFile is one file of a FAT boot filesystem: a copy of src, or data.
type espFile struct {
	path, src string
	data      []byte
}

// loaderConf is systemd-boot's loader/loader.conf (sdboot.LoaderConfig): no menu, no editor
// (it would let anyone at the console change the kernel command line), only our entries.
const loaderConf = sdboot.LoaderConfig

// firstEntry is the boot entry of slot a on a fresh disk: generation 1, no boot counter (an
// installed image is not on trial), booting the kernel and disk initramfs under cairn/a/.
func firstEntry(d SlotImage) sdboot.Entry {
	return sdboot.Entry{Slot: "a", Generation: 1, TriesLeft: -1, Version: d.Version,
		Options: append(append([]string(nil), d.Cmdline...), "cairn.slot=a")}
}

// slotESP lists the ESP of a fresh disk: systemd-boot as the removable-media loader,
// loader.conf, and slot A's entry, kernel and disk initramfs.
func slotESP(p *diskParts) []espFile {
	return []espFile{
		{path: "EFI/BOOT/BOOTX64.EFI", src: p.loader},
		{path: "loader/loader.conf", data: []byte(loaderConf)},
		{path: sdboot.EntriesDir + "/" + firstEntry(p.desc).FileName(), data: firstEntry(p.desc).Render()},
		{path: sdboot.KernelPath("a"), src: p.kernel},
		{path: sdboot.InitrdPath("a"), src: p.initramfs},
	}
}

// writeFAT creates each file (and its directories) in fs.
func writeFAT(fs filesystem.FileSystem, files []espFile) error {
	for _, f := range files {
		if err := fs.Mkdir("/" + path.Dir(f.path)); err != nil {
			return fmt.Errorf("mkdir %s: %w", path.Dir(f.path), err)
		}
		if err := writeFATFile(fs, f); err != nil {
			return fmt.Errorf("write %s: %w", f.path, err)
		}
	}
	return nil
}

func writeFATFile(fs filesystem.FileSystem, f espFile) error {
	w, err := fs.OpenFile("/"+f.path, os.O_CREATE|os.O_RDWR|os.O_TRUNC)
	if err != nil {
		return err
	}
	if f.src == "" {
		_, err = w.Write(f.data)
	} else {
		err = copyInto(w, f.src)
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}

// copyInto copies the file src to w.
func copyInto(w io.Writer, src string) error {
	r, err := os.Open(src)
	if err != nil {
		return err
	}
	defer func() { _ = r.Close() }()
	_, err = io.Copy(w, r)
	return err
}
