package mount

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/sys/unix"
)

// ErrUsage marks arguments outside the forms the mount and umount applets accept.
var ErrUsage = errors.New("unsupported arguments")

// MountUsage and UmountUsage are the only forms the applets accept: those kubelet's
// k8s.io/mount-utils (v0.35) produces for tmpfs and hugetlbfs volumes and bind mounts.
const (
	MountUsage  = "mount [--no-canonicalize] [-t tmpfs|hugetlbfs] [-o OPTION[,OPTION...]] [SOURCE] TARGET"
	UmountUsage = "umount [-f] TARGET"
)

// Command is one parsed mount(8) call: the arguments of mount(2), plus whether a bind mount
// needs a second, remounting call to apply its flags (as mount(8) does for "bind,ro").
type Command struct {
	Source, Target, FSType string
	Flags                  uintptr
	Data                   string
	BindRemount            bool
}

// flagOptions are the options that become mount(2) flags; clear removes a flag.
var flagOptions = map[string]struct {
	set   uintptr
	clear bool
}{
	"ro": {unix.MS_RDONLY, false}, "rw": {unix.MS_RDONLY, true}, "nosuid": {unix.MS_NOSUID, false},
	"nodev": {unix.MS_NODEV, false}, "noexec": {unix.MS_NOEXEC, false}, "noatime": {unix.MS_NOATIME, false},
	"relatime": {unix.MS_RELATIME, false}, "nodiratime": {unix.MS_NODIRATIME, false},
	"bind": {unix.MS_BIND, false}, "rbind": {unix.MS_BIND | unix.MS_REC, false}, "remount": {unix.MS_REMOUNT, false},
	"defaults": {0, false}, "_netdev": {0, false}, // userspace-only options mount(8) also accepts
}

// dataOptions are the filesystem options each type accepts, with the form of their value.
var dataOptions = map[string]map[string]*regexp.Regexp{
	"tmpfs": {"size": regexp.MustCompile(`^[0-9]{1,20}[kKmMgG%]?$`), "mode": regexp.MustCompile(`^[0-7]{3,4}$`),
		"uid": reNumber, "gid": reNumber, "nr_inodes": regexp.MustCompile(`^[0-9]{1,20}[kKmMgG]?$`), "noswap": nil},
	"hugetlbfs": {"pagesize": regexp.MustCompile(`^[0-9]{1,20}[kKmMgG]?$`), "size": regexp.MustCompile(`^[0-9]{1,20}[kKmMgG%]?$`),
		"mode": regexp.MustCompile(`^[0-7]{3,4}$`), "uid": reNumber, "gid": reNumber},
}

var reNumber = regexp.MustCompile(`^[0-9]{1,10}$`)

func usage(form, format string, args ...any) error {
	return fmt.Errorf("%w: %s (accepted: %s)", ErrUsage, fmt.Sprintf(format, args...), form)
}

// ParseMount parses mount's arguments (without the program name) and refuses any other form
// with an error naming the argument.
func ParseMount(args []string) (*Command, error) {
	c := &Command{}
	var opts []string
	var pos []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--no-canonicalize":
		case a == "-t" || a == "-o":
			if i+1 >= len(args) {
				return nil, usage(MountUsage, "%s needs a value", a)
			}
			i++
			if a == "-t" {
				if c.FSType != "" {
					return nil, usage(MountUsage, "-t given twice")
				}
				c.FSType = args[i]
			} else {
				opts = append(opts, strings.Split(args[i], ",")...)
			}
		case strings.HasPrefix(a, "-"):
			return nil, usage(MountUsage, "option %q", a)
		default:
			pos = append(pos, a)
		}
	}
	if err := c.options(opts); err != nil {
		return nil, err
	}
	return c, c.positional(pos)
}
