package harness

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/cairn-os/cairn/internal/app/imager"
)

// tool is a host program the comparison needs, with the Debian package that provides it.
type tool struct{ name, pkg, why string }

var tools = []tool{
	{"qemu-system-x86_64", "qemu-system-x86", "boots both VMs"},
	{"debootstrap", "debootstrap", "builds the Debian baseline"},
	{"mksquashfs", "squashfs-tools", "packs Cairn's root and surface.sh's squashfs figure"},
	{"unsquashfs", "squashfs-tools", "unpacks Cairn's root for surface.sh"},
	{"mkfs.ext4", "e2fsprogs", "make-disk.sh"},
	{"file", "file", "surface.sh"},
	{"dpkg-deb", "dpkg", "the image builder"},
	{"apt-get", "apt", "fetches the kernel package"},
	{"ssh", "openssh-client", "reads the Debian node's processes"},
	{"ssh-keygen", "openssh-client", "the Debian node's login key"},
	{"git", "git", "stamps the image"},
}

// checkPrereqs fails with one message naming everything that is missing.
func checkPrereqs(o *Options, root string) error {
	var missing []string
	for _, t := range tools {
		if _, err := exec.LookPath(t.name); err != nil {
			missing = append(missing, fmt.Sprintf("%s (Debian package %s; %s)", t.name, t.pkg, t.why))
		}
	}
	peers := filepath.Join(root, o.Peers)
	if filepath.IsAbs(o.Peers) {
		peers = o.Peers
	}
	for _, s := range []string{"build-rootfs.sh", "make-disk.sh", "surface.sh"} {
		if _, err := os.Stat(filepath.Join(peers, s)); err != nil {
			missing = append(missing, fmt.Sprintf("%s (the Debian node scripts; set -peers)", filepath.Join(peers, s)))
		}
	}
	if err := kernelAvailable(root); err != nil {
		missing = append(missing, err.Error())
	}
	if os.Geteuid() != 0 {
		missing = append(missing, "root (debootstrap, chroot and unsquashfs of setuid files need it)")
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing prerequisites:\n  - %s\ninstall with: apt-get install qemu-system-x86 debootstrap squashfs-tools e2fsprogs file openssh-client", strings.Join(missing, "\n  - "))
	}
	return nil
}

// kernelAvailable checks that the pinned kernel package is cached or that apt knows it.
func kernelAvailable(root string) error {
	m, err := imager.DefaultManifest()
	if err != nil {
		return fmt.Errorf("image manifest: %w", err)
	}
	k := m.Kernel
	deb := fmt.Sprintf("%s_%s_amd64.deb", k.Package, k.Version)
	if _, err := os.Stat(filepath.Join(root, "_cache", deb)); err == nil {
		return nil
	}
	out, err := exec.Command("apt-cache", "madison", k.Package).Output() //nolint:gosec // G204: the package name comes from the pinned image manifest.
	if err == nil {
		sc := bufio.NewScanner(strings.NewReader(string(out)))
		for sc.Scan() {
			if f := strings.Split(sc.Text(), "|"); len(f) > 1 && strings.TrimSpace(f[1]) == k.Version {
				return nil
			}
		}
	}
	return fmt.Errorf("the kernel package %s=%s (not in _cache/ and unknown to apt: run apt-get update)", k.Package, k.Version)
}

// repoRoot walks up from the working directory to the go.mod of the Cairn module.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.HasPrefix(string(data), "module github.com/cairn-os/cairn\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the Cairn source tree (no go.mod of github.com/cairn-os/cairn above the working directory)")
		}
		dir = parent
	}
}
