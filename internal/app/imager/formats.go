package imager

import (
	"fmt"
	"slices"
	"strings"
)

// The output formats of an image build. Every build writes the initramfs format's files
// (vmlinuz, initramfs, rootfs.sqsh): the others are made from them.
const (
	FormatInitramfs = "initramfs" // vmlinuz, initramfs (root in RAM), rootfs.sqsh: PXE, direct QEMU boot
	FormatRaw       = "raw"       // cairn.raw: a GPT disk image booting slot A under UEFI
	FormatISO       = "iso"       // cairn.iso and initramfs-install: root in RAM, installs the signed image it carries (--sign-key)
	FormatSigned    = "signed"    // cairn.img: the signed OS image upgrades write to a slot (--sign-key)
)

// installInitramfs is the install initramfs: the ISO boots it, PXE can (with vmlinuz).
const installInitramfs = "initramfs-install"

// formatFiles are the files of each format in the output directory.
var formatFiles = map[string][]string{
	FormatInitramfs: {"vmlinuz", "initramfs", "rootfs.sqsh"},
	FormatRaw:       {"cairn.raw"},
	FormatISO:       {"cairn.iso", installInitramfs},
	FormatSigned:    {"cairn.img"},
}

// ParseFormats reads --format values, each a format name or a comma-separated list of them.
// The result always holds initramfs, then raw and iso if asked, once each; no values means
// initramfs alone. An unknown name is an error naming it.
func ParseFormats(values []string) ([]string, error) {
	want := map[string]bool{FormatInitramfs: true}
	for _, v := range values {
		for _, name := range strings.Split(v, ",") {
			name = strings.TrimSpace(name)
			if _, ok := formatFiles[name]; !ok {
				return nil, fmt.Errorf("--format: %q is not a format (initramfs, raw, iso, signed)", name)
			}
			want[name] = true
		}
	}
	out := []string{}
	for _, f := range []string{FormatInitramfs, FormatRaw, FormatISO, FormatSigned} {
		if want[f] {
			out = append(out, f)
		}
	}
	return out, nil
}

// outputs returns the files the formats write, in order.
func outputs(formats []string) []string {
	var out []string
	for _, f := range formats {
		out = append(out, formatFiles[f]...)
	}
	return out
}

func hasFormat(formats []string, f string) bool { return slices.Contains(formats, f) }
