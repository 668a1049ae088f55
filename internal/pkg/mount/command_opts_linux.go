package mount

import (
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// options sorts the -o options into flags and filesystem data and checks them against the
// filesystem type.
func (c *Command) options(opts []string) error {
	var data []string
	for _, o := range opts {
		if f, ok := flagOptions[o]; ok {
			if f.clear {
				c.Flags &^= f.set
			} else {
				c.Flags |= f.set
			}
			continue
		}
		key, value, hasValue := strings.Cut(o, "=")
		forms, ok := dataOptions[c.FSType]
		re, known := forms[key]
		switch {
		case !ok || c.Flags&unix.MS_BIND != 0:
			return usage(MountUsage, "option %q with filesystem type %q", o, c.FSType)
		case !known:
			return usage(MountUsage, "option %q is not one %s accepts here", o, c.FSType)
		case (re == nil) == hasValue || (re != nil && !re.MatchString(value)):
			return usage(MountUsage, "option %q has no valid value for %s", o, c.FSType)
		}
		data = append(data, o)
	}
	c.Data = strings.Join(data, ",")
	bind := c.Flags&unix.MS_BIND != 0
	switch {
	case bind:
		// mount(8) ignores the type of a bind mount; mount-utils passes the volume's along.
		c.FSType = ""
	case c.FSType == "" && c.Flags&unix.MS_REMOUNT != 0:
	case dataOptions[c.FSType] == nil:
		return usage(MountUsage, "filesystem type %q (-t tmpfs or hugetlbfs, or -o bind)", c.FSType)
	}
	// A fresh bind mount ignores every flag but MS_REC: like mount(8), apply them by remounting.
	c.BindRemount = bind && c.Flags&unix.MS_REMOUNT == 0 && c.Flags&^(unix.MS_BIND|unix.MS_REC) != 0
	return nil
}

// positional takes SOURCE and TARGET (TARGET alone only for a remount). The target and a
// bind mount's source must be absolute; a tmpfs or hugetlbfs source is only a name.
func (c *Command) positional(pos []string) error {
	switch {
	case len(pos) == 2:
		c.Source, c.Target = pos[0], pos[1]
	case len(pos) == 1 && c.Flags&unix.MS_REMOUNT != 0:
		c.Target = pos[0]
	default:
		return usage(MountUsage, "%d paths %q", len(pos), pos)
	}
	for _, p := range pos {
		if p == "" || strings.Contains(p, "\x00") {
			return usage(MountUsage, "path %q is empty or holds a NUL byte", p)
		}
	}
	if !filepath.IsAbs(c.Target) {
		return usage(MountUsage, "target %q is not an absolute path", c.Target)
	}
	if c.Flags&unix.MS_BIND != 0 && c.Source != "" && !filepath.IsAbs(c.Source) {
		return usage(MountUsage, "bind source %q is not an absolute path", c.Source)
	}
	return nil
}

// ParseUmount parses umount's arguments (without the program name).
func ParseUmount(args []string) (target string, flags int, err error) {
	for _, a := range args {
		switch {
		case a == "-f":
			flags |= unix.MNT_FORCE
		case strings.HasPrefix(a, "-"):
			return "", 0, usage(UmountUsage, "option %q", a)
		case target != "":
			return "", 0, usage(UmountUsage, "more than one target (%q and %q)", target, a)
		default:
			target = a
		}
	}
	if !filepath.IsAbs(target) || strings.Contains(target, "\x00") {
		return "", 0, usage(UmountUsage, "target %q is not an absolute path", target)
	}
	return target, flags, nil
}
