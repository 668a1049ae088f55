package imager

import (
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/diskfs/go-diskfs/filesystem"
)

// espFile is one file of a FAT boot filesystem: a copy of src, or data.
type espFile struct {
	path, src string
	data      []byte
}

// loaderConf is systemd-boot's loader/loader.conf: no menu, no editor (it would let anyone
// at the console change the kernel command line), only our entries.
const loaderConf = "timeout 0\neditor no\nauto-entries no\nauto-firmware no\ndefault cairn-*\n"

// slotEntry is the Boot Loader Specification type #1 entry booting a slot from its kernel
// and disk initramfs under cairn/<slot>/.
func slotEntry(d SlotImage, slot string) string {
	return fmt.Sprintf("title Cairn %s (slot %s)\nversion %s\nlinux /cairn/%s/vmlinuz\ninitrd /cairn/%s/initramfs\noptions %s\n",
		d.Version, strings.ToUpper(slot), d.Version, slot, slot, strings.Join(append(d.Cmdline, "cairn.slot="+slot), " "))
}

// slotESP lists the ESP of a fresh disk: systemd-boot as the removable-media loader,
// loader.conf, and slot A's entry, kernel and disk initramfs.
func slotESP(p *diskParts) []espFile {
	return []espFile{
		{path: "EFI/BOOT/BOOTX64.EFI", src: p.loader},
		{path: "loader/loader.conf", data: []byte(loaderConf)},
		{path: "loader/entries/cairn-a.conf", data: []byte(slotEntry(p.desc, "a"))},
		{path: "cairn/a/vmlinuz", src: p.kernel},
		{path: "cairn/a/initramfs", src: p.initramfs},
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

// writeFATFile writes the file with one Write: go-diskfs walks the cluster chain and
// rewrites the whole FAT on every Write, so copying in small pieces is quadratic (43 s instead
// of 1 s for a 111 MB initramfs).
func writeFATFile(fs filesystem.FileSystem, f espFile) error {
	data := f.data
	if f.src != "" {
		var err error
		if data, err = os.ReadFile(f.src); err != nil {
			return err
		}
	}
	w, err := fs.OpenFile("/"+f.path, os.O_CREATE|os.O_RDWR|os.O_TRUNC)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
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
