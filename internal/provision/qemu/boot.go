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
)

// Firmware files of Debian's ovmf package.
const (
	OVMFCode = "/usr/share/OVMF/OVMF_CODE.fd"
	OVMFVars = "/usr/share/OVMF/OVMF_VARS.fd"
	// RawImage is the raw disk image in an image directory (cairnctl image build --format raw).
	RawImage = "cairn.raw"
	// partSuffix marks a node disk still being copied: a copy cut short is never booted.
	partSuffix = ".part"
)

// validateBoot checks --boot and what goes with it.
func validateBoot(r Request) []string {
	switch r.Boot {
	case BootKernel, "":
		return nil
	case BootDisk:
		if len(r.KernelArgs) > 0 {
			return []string{fmt.Sprintf("--kernel-args %s: not with --boot disk (the kernel command line is the disk's "+
				"boot entry, which the verified boot does not let a VM's launcher change); use --boot kernel", strings.Join(r.KernelArgs, ","))}
		}
		return nil
	}
	return []string{fmt.Sprintf("--boot %q: want %s or %s", r.Boot, BootKernel, BootDisk)}
}

// varsFile is the node's own copy of the UEFI variable store (boot entries and order).
func (p *Plan) varsFile(n Node) string {
	return filepath.Join(p.Dir, n.Name+".ovmf-vars.fd")
}

// bootArgs returns the firmware, kernel and config arguments of a node's QEMU.
func (p *Plan) bootArgs(n Node) []string {
	if p.Boot == BootDisk {
		args := []string{
			"-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + OVMFCode,
			"-drive", "if=pflash,format=raw,unit=1,file=" + p.varsFile(n),
		}
		if n.Config != "" {
			// The guest reads it from SMBIOS (machined's acquireConfig); QEMU splits on commas.
			args = append(args, "-smbios", "type=11,value=cairn.config="+strings.ReplaceAll(n.ConfigURL(), ",", ",,"))
		}
		return args
	}
	cmdline := []string{"console=ttyS0", "panic=10"}
	if n.Config != "" {
		cmdline = append(cmdline, "cairn.config="+n.ConfigURL())
	}
	cmdline = append(cmdline, p.KernelArgs...)
	return []string{"-kernel", filepath.Join(p.Image, "vmlinuz"), "-initrd", filepath.Join(p.Image, "initramfs"),
		"-append", strings.Join(cmdline, " ")}
}
