// Package mountcmd holds the mount and umount applets of the multi-call binary: kubelet
// (k8s.io/mount-utils) runs `mount` and `umount` for tmpfs volumes and bind mounts, and the
// node has no util-linux. They accept only the forms mount-utils produces and run with the
// caller's privileges (plain files, never setuid).
package mountcmd

import (
	"context"

	"github.com/cairn-os/cairn/internal/pkg/mount"
)

// Mount is the mount applet: mount [--no-canonicalize] [-t TYPE] [-o OPTIONS] [SOURCE] TARGET.
func Mount(_ context.Context, args []string) error {
	c, err := mount.ParseMount(args)
	if err != nil {
		return err
	}
	return c.Run()
}

// Umount is the umount applet: umount [-f] TARGET.
func Umount(_ context.Context, args []string) error {
	target, flags, err := mount.ParseUmount(args)
	if err != nil {
		return err
	}
	return mount.Unmount(target, flags)
}
