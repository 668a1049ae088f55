package imager

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	diskfs "github.com/diskfs/go-diskfs"
	"github.com/diskfs/go-diskfs/disk"
	"github.com/diskfs/go-diskfs/filesystem"
	"github.com/diskfs/go-diskfs/filesystem/iso9660"

	"github.com/cairn-os/cairn/internal/pkg/disklayout"
	"github.com/cairn-os/cairn/internal/pkg/sdboot"
)

// liveEntry boots the ordinary initramfs (root in RAM, no cairn.slot): maintenance mode
// until the node gets a config.
func liveEntry(version string, cmdline []string) string {
	return fmt.Sprintf("title Cairn %s (live)\nversion %s\nlinux /cairn/vmlinuz\ninitrd /cairn/initramfs\noptions %s\n",
		version, version, strings.Join(cmdline, " "))
}

// writeISO writes the ISO 9660 image: El Torito EFI boot from /boot/efiboot.img, a FAT image
// holding systemd-boot and the live entry with the kernel and the install initramfs (the
// ordinary one plus the signed OS image at /install/cairn.img). The node never reads the CD
// after the firmware has loaded the kernel: it installs from what its initramfs carries.
func (b *builder) writeISO(file, work string, p *diskParts) error {
	efiboot := filepath.Join(work, "efiboot.img")
	if err := b.writeEFIBoot(efiboot, p); err != nil {
		return err
	}
	ws := filepath.Join(work, "iso")
	if err := linkInto(ws, "boot/efiboot.img", efiboot); err != nil {
		return err
	}
	return finalizeISO(file, ws)
}

// linkInto places src at name in the ISO's workspace (a hard link: same file system).
func linkInto(ws, name, src string) error {
	dst := filepath.Join(ws, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil { //nolint:gosec // the image is world-readable by design.
		return err
	}
	if err := os.Link(src, dst); err != nil {
		return copyFile(src, dst, 0o644)
	}
	return nil
}

// finalizeISO turns the workspace into the ISO file.
func finalizeISO(file, ws string) error {
	_ = os.Remove(file)
	d, err := diskfs.Create(file, 64*1024, diskfs.SectorSizeDefault)
	if err != nil {
		return fmt.Errorf("create %s: %w", file, err)
	}
	defer func() { _ = d.Close() }()
	d.LogicalBlocksize = 2048
	fs, err := d.CreateFilesystem(disk.FilesystemSpec{FSType: filesystem.TypeISO9660, VolumeLabel: "CAIRN", WorkDir: ws})
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	iso, ok := fs.(*iso9660.FileSystem)
	if !ok {
		return fmt.Errorf("%s: go-diskfs returned %T, not an ISO 9660 file system", file, fs)
	}
	err = iso.Finalize(iso9660.FinalizeOptions{RockRidge: true, VolumeIdentifier: "CAIRN", ElTorito: &iso9660.ElTorito{
		BootCatalog: "boot/boot.cat",
		Entries:     []*iso9660.ElToritoEntry{{Platform: iso9660.EFI, Emulation: iso9660.NoEmulation, BootFile: "boot/efiboot.img"}},
	}})
	if err != nil {
		return fmt.Errorf("%s: finalize: %w", file, err)
	}
	return nil
}

// writeEFIBoot writes the El Torito boot image: a FAT32 file system just large enough.
func (b *builder) writeEFIBoot(file string, p *diskParts) error {
	files := []disklayout.File{
		{Path: sdboot.Bootloader, Src: p.loader},
		{Path: sdboot.LoaderConf, Data: []byte(sdboot.LoaderConfig)},
		{Path: sdboot.EntriesDir + "/cairn-live.conf", Data: []byte(liveEntry(p.desc.Version, b.m.Boot.Cmdline))},
		{Path: "cairn/vmlinuz", Src: b.in.kernel},
		{Path: "cairn/initramfs", Src: b.in.install},
	}
	size := int64(8 * mib)
	for _, f := range files {
		if st, err := os.Stat(f.Src); err == nil && f.Src != "" {
			size += st.Size() + st.Size()/32
		}
	}
	_ = os.Remove(file)
	d, err := diskfs.Create(file, fatSize(size), diskfs.SectorSize512)
	if err != nil {
		return fmt.Errorf("create %s: %w", file, err)
	}
	defer func() { _ = d.Close() }()
	fs, err := d.CreateFilesystem(disk.FilesystemSpec{FSType: filesystem.TypeFat32, VolumeLabel: "CAIRN-EFI", Reproducible: true})
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if err := disklayout.WriteFAT(fs, files); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return disklayout.FixFATFile(file)
}

// fatSize rounds a FAT32 image's size up to a MiB and to what FAT32 needs: 65525 clusters,
// of 512 bytes up to 260 MB and 4 KiB above (go-diskfs chooses as mkfs.fat does).
func fatSize(size int64) int64 {
	size = max(size/mib*mib+mib, 40*mib)
	if size > 260*mib {
		size = max(size, 270*mib)
	}
	return size
}
