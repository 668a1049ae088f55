// Package installpayload hands the signed OS image an install initramfs carries from /init to
// machined. The cloud kernel cannot read a CD on AHCI, so the node never reads its boot
// medium: /init opens Path before it frees the initramfs and passes the open descriptor
// across exec (its number in the environment variable Env); the unlinked file's pages live as
// long as the descriptor. A kernel-booted image has no payload: it never installs.
package installpayload

import (
	"fmt"
	"strconv"
)

// Path is where the install initramfs carries the signed OS image (relative to its root).
const Path = "install/cairn.img"

// Env names the environment variable that carries the payload's descriptor number.
const Env = "CAIRN_INSTALL_FD"

// maxFD bounds the descriptor number accepted from the environment.
const maxFD = 1 << 16

// ParseFD reads the descriptor number of Env's value.
func ParseFD(s string) (int, error) {
	fd, err := strconv.Atoi(s)
	if err != nil || fd < 3 || fd > maxFD || strconv.Itoa(fd) != s {
		return 0, fmt.Errorf("%s=%q: want a descriptor number from 3 to %d", Env, s, maxFD)
	}
	return fd, nil
}
