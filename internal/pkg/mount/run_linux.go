package mount

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// Run performs the parsed mount with the caller's privileges. A bind mount with flags is
// made, then remounted with them (and undone if that fails), as mount(8) does.
func (c *Command) Run() error {
	if err := unix.Mount(c.Source, c.Target, c.FSType, c.Flags, c.Data); err != nil {
		return fmt.Errorf("%s: %w", c.Target, err)
	}
	if !c.BindRemount {
		return nil
	}
	flags := c.Flags&^unix.MS_REC | unix.MS_REMOUNT
	if err := unix.Mount("", c.Target, "", flags, ""); err != nil {
		undo := unix.Unmount(c.Target, 0)
		return errors.Join(fmt.Errorf("%s: remount the bind mount with its flags: %w", c.Target, err), undo)
	}
	return nil
}

// Unmount detaches the mount at target. A target that is not a mount point gives
// "TARGET: not mounted", the words k8s.io/mount-utils looks for in umount's output.
func Unmount(target string, flags int) error {
	err := unix.Unmount(target, flags)
	if errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("%s: not mounted", target)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", target, err)
	}
	return nil
}
