package imager

import (
	"fmt"
	"path"
	"strings"
)

// Boot pins the UEFI boot loader of the raw and ISO images and the kernel arguments of their
// boot entries.
type Boot struct {
	// Loader is the Debian package holding the boot loader (systemd-boot-efi).
	Loader Deb `yaml:"loader" json:"loader"`
	// LoaderFile is the EFI program's path inside the package.
	LoaderFile string `yaml:"loaderFile" json:"loaderFile"`
	// Cmdline are the kernel arguments of every entry, before the entry's own.
	Cmdline []string `yaml:"cmdline" json:"cmdline"`
}

// validate checks the boot section; every field is required.
func (b Boot) validate() []string {
	var p problems
	p.deb("boot.loader", b.Loader)
	if !path.IsAbs(b.LoaderFile) || path.Clean(b.LoaderFile) != b.LoaderFile || !strings.HasSuffix(b.LoaderFile, ".efi") {
		p.add("boot.loaderFile", b.LoaderFile, "is not a clean absolute path of an .efi file")
	}
	for i, a := range b.Cmdline {
		if a == "" || strings.ContainsAny(a, " \t\n\"") || strings.HasPrefix(a, "cairn.slot") || strings.HasPrefix(a, "cairn.verity.") {
			p.add(fmt.Sprintf("boot.cmdline[%d]", i), a, "is not one kernel argument without spaces or quotes (cairn.slot and cairn.verity.* are the builder's)")
		}
	}
	return p
}
