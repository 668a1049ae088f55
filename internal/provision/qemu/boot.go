package qemu

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Boot modes of a cluster's nodes.
const (
	// BootKernel starts QEMU with the image's kernel and initramfs (-kernel/-initrd/-append):
	// the root lives in RAM. Fast, and the command line is ours to set.
	BootKernel = "kernel"
	// BootDisk boots UEFI firmware (OVMF) from a copy of the image's raw disk: systemd-boot,
	// the slot's kernel and the verified root on disk, as on real machines.
	BootDisk = "disk"
	// BootISO boots UEFI firmware from the image's cairn.iso on a CD (AHCI, read by the
	// firmware alone) with a blank disk: the node runs from RAM and installs to the disk the
	// signed OS image its initramfs carries once a configuration names machine.install.disk,
	// then boots from the disk (it comes first in the boot order once it has an ESP).
	BootISO = "iso"
)

// Firmware files of Debian's ovmf package.
const (
	OVMFCode = "/usr/share/OVMF/OVMF_CODE.fd"
	OVMFVars = "/usr/share/OVMF/OVMF_VARS.fd"
	// RawImage is the raw disk image in an image directory (cairnctl image build --format raw).
	RawImage = "cairn.raw"
	// partSuffix marks a node disk still being copied: a copy cut short is never booted.
	partSuffix = ".part"
	// ISOImage is the ISO in an image directory (cairnctl image build --format iso).
	ISOImage = "cairn.iso"
)

// validateBoot checks --boot and what goes with it.
func validateBoot(r Request) []string {
	switch r.Boot {
	case BootKernel, "":
		return nil
	case BootDisk, BootISO:
		if len(r.KernelArgs) > 0 {
			return []string{fmt.Sprintf("--kernel-args %s: not with --boot %s (the kernel command line is the boot entry's, "+
				"which the verified boot does not let a VM's launcher change); use --boot kernel", strings.Join(r.KernelArgs, ","), r.Boot)}
		}
		return nil
	}
	return []string{fmt.Sprintf("--boot %q: want %s, %s or %s", r.Boot, BootKernel, BootDisk, BootISO)}
}

// diskArgs attaches the node's disk as the first virtio disk (/dev/vda); booting from the ISO
// it comes first in the firmware's boot order, tried before the CD.
func (p *Plan) diskArgs(n Node) []string {
	if p.Boot == BootISO {
		// file= first, followed by a comma: State.Running recognises the node's QEMU by it.
		return []string{"-drive", "file=" + n.Disk + ",if=none,id=disk0,format=raw,cache=unsafe",
			"-device", "virtio-blk-pci,drive=disk0,bootindex=1"}
	}
	return []string{"-drive", "file=" + n.Disk + ",if=virtio,format=raw,cache=unsafe"}
}

// qemuPath escapes a file name for a -drive option (QEMU splits options on commas).
func qemuPath(p string) string { return strings.ReplaceAll(p, ",", ",,") }

// varsFile is the node's own copy of the UEFI variable store (boot entries and order).
func (p *Plan) varsFile(n Node) string {
	return filepath.Join(p.Dir, n.Name+".ovmf-vars.fd")
}

// bootArgs returns the firmware, kernel and config arguments of a node's QEMU.
func (p *Plan) bootArgs(n Node) []string {
	if p.Boot == BootDisk || p.Boot == BootISO {
		args := []string{
			"-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + OVMFCode,
			"-drive", "if=pflash,format=raw,unit=1,file=" + p.varsFile(n),
		}
		if n.Config != "" {
			// The guest reads it from SMBIOS (machined's acquireConfig); QEMU splits on commas.
			args = append(args, "-smbios", "type=11,value=cairn.config="+strings.ReplaceAll(n.ConfigURL(), ",", ",,"))
		}
		if p.Boot == BootISO {
			// q35's AHCI controller; the firmware reads the CD, the guest kernel never does.
			args = append(args, "-drive", "if=none,id=cd0,media=cdrom,readonly=on,format=raw,file="+qemuPath(filepath.Join(p.Image, ISOImage)),
				"-device", "ide-cd,drive=cd0,bus=ide.0,bootindex=2")
		}
		return args
	}
	// The image manifest's boot.cmdline, which the disk and ISO boot entries carry.
	cmdline := []string{"console=ttyS0", "panic=10", "lockdown=integrity"}
	if n.Config != "" {
		cmdline = append(cmdline, "cairn.config="+n.ConfigURL())
	}
	cmdline = append(cmdline, p.KernelArgs...)
	return []string{"-kernel", filepath.Join(p.Image, "vmlinuz"), "-initrd", filepath.Join(p.Image, "initramfs"),
		"-append", strings.Join(cmdline, " ")}
}
