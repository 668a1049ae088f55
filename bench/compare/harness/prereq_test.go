package harness

import (
	"strings"
	"testing"
)

func TestCheckPrereqsNamesEverythingMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no host tools at all
	root := t.TempDir()           // no cached kernel package, no peer scripts
	err := checkPrereqs(&Options{Peers: "peers"}, root)
	if err == nil {
		t.Fatal("checkPrereqs with an empty PATH = nil error")
	}
	for _, want := range []string{
		"qemu-system-x86_64 (Debian package qemu-system-x86", "debootstrap", "mksquashfs", "unsquashfs",
		root + "/peers/build-rootfs.sh", root + "/peers/surface.sh",
		"the kernel package linux-image-", "apt-get install",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("checkPrereqs error lacks %q:\n%v", want, err)
		}
	}
}
