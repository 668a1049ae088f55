package mount

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// TestParseMount covers every form k8s.io/mount-utils v0.35.8 produces (MakeMountArgs:
// [mountFlags] [-t type] [-o options] [source] target; bind mounts as "-o bind" then
// "-o bind,remount,..."), and refuses the rest.
func TestParseMount(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want Command
	}{
		{[]string{"-t", "tmpfs", "-o", "size=65536", "tmpfs", "/var/lib/kubelet/pods/p/volumes/x"},
			Command{Source: "tmpfs", Target: "/var/lib/kubelet/pods/p/volumes/x", FSType: "tmpfs", Data: "size=65536"}},
		{[]string{"-t", "tmpfs", "-o", "noswap", "tmpfs", "/tmp/t"}, Command{Source: "tmpfs", Target: "/tmp/t", FSType: "tmpfs", Data: "noswap"}},
		{[]string{"-t", "tmpfs", "-o", "size=1m,mode=0750,uid=0,gid=65532,nodev", "tmpfs", "/t"},
			Command{Source: "tmpfs", Target: "/t", FSType: "tmpfs", Flags: unix.MS_NODEV, Data: "size=1m,mode=0750,uid=0,gid=65532"}},
		{[]string{"-t", "tmpfs", "tmpfs", "/t"}, Command{Source: "tmpfs", Target: "/t", FSType: "tmpfs"}},
		{[]string{"-t", "hugetlbfs", "-o", "pagesize=2M", "nodev", "/h"}, Command{Source: "nodev", Target: "/h", FSType: "hugetlbfs", Data: "pagesize=2M"}},
		{[]string{"-o", "bind", "/var/lib/kubelet/x", "/var/lib/kubelet/y"},
			Command{Source: "/var/lib/kubelet/x", Target: "/var/lib/kubelet/y", Flags: unix.MS_BIND}},
		{[]string{"-t", "ext4", "-o", "bind,_netdev", "/a", "/b"}, Command{Source: "/a", Target: "/b", Flags: unix.MS_BIND}},
		{[]string{"--no-canonicalize", "-o", "bind", "/proc/42/fd/7", "/s"}, Command{Source: "/proc/42/fd/7", Target: "/s", Flags: unix.MS_BIND}},
		{[]string{"--no-canonicalize", "-o", "bind,remount,ro,nodev,nosuid,noexec,relatime", "/proc/42/fd/7", "/s"},
			Command{Source: "/proc/42/fd/7", Target: "/s", Flags: unix.MS_BIND | unix.MS_REMOUNT | unix.MS_RDONLY | unix.MS_NODEV | unix.MS_NOSUID | unix.MS_NOEXEC | unix.MS_RELATIME}},
		{[]string{"-o", "bind,ro", "/a", "/b"}, Command{Source: "/a", Target: "/b", Flags: unix.MS_BIND | unix.MS_RDONLY, BindRemount: true}},
		{[]string{"-o", "rbind,rw", "/a", "/b"}, Command{Source: "/a", Target: "/b", Flags: unix.MS_BIND | unix.MS_REC}},
		{[]string{"-o", "remount,ro", "/b"}, Command{Target: "/b", Flags: unix.MS_REMOUNT | unix.MS_RDONLY}},
	} {
		got, err := ParseMount(tc.args)
		if err != nil || !cmp.Equal(*got, tc.want) {
			t.Errorf("ParseMount(%q) = %+v, %v; want %+v", tc.args, got, err, tc.want)
		}
	}
}

func TestParseMountErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, `filesystem type ""`},
		{[]string{"-t", "tmpfs"}, `0 paths`},
		{[]string{"-o", "bind", "/a"}, `1 paths ["/a"]`},
		{[]string{"-t", "ext4", "/dev/vda", "/mnt"}, `filesystem type "ext4"`},
		{[]string{"-t", "nfs", "-o", "vers=4", "srv:/x", "/mnt"}, `option "vers=4" with filesystem type "nfs"`},
		{[]string{"-t", "tmpfs", "-o", "size=1m;rm", "tmpfs", "/t"}, `option "size=1m;rm" has no valid value`},
		{[]string{"-t", "tmpfs", "-o", "noswap=1", "tmpfs", "/t"}, `option "noswap=1" has no valid value`},
		{[]string{"-t", "tmpfs", "-o", "pagesize=2M", "tmpfs", "/t"}, `option "pagesize=2M" is not one tmpfs accepts`},
		{[]string{"-o", "bind,size=1", "/a", "/b"}, `option "size=1" with filesystem type ""`},
		{[]string{"-o", "bind", "a", "/b"}, `bind source "a" is not an absolute path`},
		{[]string{"-o", "bind", "/a", "b"}, `target "b" is not an absolute path`},
		{[]string{"-o", "bind", "/a", ""}, `path "" is empty`},
		{[]string{"--make-rshared", "/a"}, `option "--make-rshared"`},
		{[]string{"-o"}, `-o needs a value`},
		{[]string{"-t", "tmpfs", "-t", "tmpfs", "x", "/t"}, `-t given twice`},
		{[]string{"-o", "bind", "/a", "/b", "/c"}, `3 paths`},
	} {
		_, err := ParseMount(tc.args)
		if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), MountUsage) {
			t.Errorf("ParseMount(%q) = %v, want a usage error containing %q", tc.args, err, tc.want)
		}
	}
}

func TestParseUmount(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		want      string
		wantFlags int
		wantErr   string
	}{
		{[]string{"/var/lib/kubelet/x"}, "/var/lib/kubelet/x", 0, ""},
		{[]string{"-f", "/x"}, "/x", unix.MNT_FORCE, ""},
		{[]string{"-l", "/x"}, "", 0, `option "-l"`},
		{[]string{"/x", "/y"}, "", 0, `more than one target ("/x" and "/y")`},
		{[]string{"x"}, "", 0, `target "x" is not an absolute path`},
		{nil, "", 0, `target "" is not an absolute path`},
	} {
		got, flags, err := ParseUmount(tc.args)
		if tc.wantErr != "" {
			if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseUmount(%q) = %v, want a usage error containing %q", tc.args, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want || flags != tc.wantFlags {
			t.Errorf("ParseUmount(%q) = %q, %d, %v; want %q, %d", tc.args, got, flags, err, tc.want, tc.wantFlags)
		}
	}
}

func FuzzParseMount(f *testing.F) {
	f.Add("--no-canonicalize\x00-o\x00bind,remount,ro\x00/proc/1/fd/3\x00/s")
	f.Add("-t\x00tmpfs\x00-o\x00size=1m,mode=0755\x00tmpfs\x00/t")
	f.Add("-o\x00remount,ro\x00/b")
	f.Fuzz(func(t *testing.T, in string) {
		args := strings.Split(in, "\x00")
		c, err := ParseMount(args)
		if err != nil {
			if !errors.Is(err, ErrUsage) {
				t.Errorf("ParseMount(%q) error %v is not a usage error", args, err)
			}
			return
		}
		bind := c.Flags&unix.MS_BIND != 0
		if !strings.HasPrefix(c.Target, "/") || (bind && c.FSType != "") || (!bind && c.FSType != "" && dataOptions[c.FSType] == nil) {
			t.Errorf("ParseMount(%q) = %+v: accepted outside the allowed forms", args, c)
		}
		if bind && c.Data != "" {
			t.Errorf("ParseMount(%q) = %+v: a bind mount with filesystem data", args, c)
		}
	})
}
