package qemu

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// Args returns the QEMU command line of a node: virtio devices only (the cloud kernel has no
// e1000), the serial console appended to the node's log, a QMP socket for the power button.
func (p *Plan) Args(n Node) []string {
	args := []string{
		"-name", n.Name,
		"-machine", "q35", "-accel", p.Accel, "-cpu", "max",
		"-smp", strconv.Itoa(p.CPUs), "-m", strconv.Itoa(p.Memory),
		"-nodefaults", "-no-user-config", "-display", "none",
	}
	args = append(append(args, p.bootArgs(n)...), p.diskArgs(n)...)
	return append(args,
		"-netdev", "tap,id=net0,ifname="+n.Tap+",script=no,downscript=no",
		"-device", "virtio-net-pci,netdev=net0,mac="+n.MAC,
		"-device", "virtio-rng-pci",
		"-chardev", "file,id=serial0,path="+n.Console+",append=on",
		"-serial", "chardev:serial0",
		// Relative to QEMU's working directory, the cluster's: a socket's path holds at most
		// 107 bytes, fewer than a cluster directory may take.
		"-qmp", "unix:"+qmpSocket(n.Name)+",server=on,wait=off",
	)
}

// InstallDisk is the node's disk as the guest sees it (the first virtio disk).
const InstallDisk = "/dev/vda"

// qemuBinary is the system emulator used for every node.
const qemuBinary = "qemu-system-x86_64"

// ProbeAccel returns "kvm" when a KVM guest really runs here, else "tcg". The probe boots
// the image's kernel without a root under KVM: it panics and, with -no-reboot, QEMU exits in
// about a second. A KVM that only spins (as on some nested hosts) is killed after timeout.
// $CAIRN_QEMU_ACCEL (kvm or tcg) skips the probe.
func ProbeAccel(ctx context.Context, kernel string, timeout time.Duration) string {
	if a := os.Getenv("CAIRN_QEMU_ACCEL"); a == "kvm" || a == "tcg" {
		return a
	}
	if _, err := os.Stat("/dev/kvm"); err != nil {
		return "tcg"
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, qemuBinary, "-accel", "kvm", "-machine", "q35", "-m", "256",
		"-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
		"-kernel", kernel, "-append", "panic=-1 root=/dev/cairn-kvm-probe")
	if err := cmd.Run(); err == nil {
		return "kvm"
	}
	return "tcg"
}
