package mountcmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// childEnv makes the test binary run realMounts in a mount namespace of its own.
const childEnv = "CAIRN_MOUNTCMD_TEST_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		if err := realMounts(dir); err != nil {
			fmt.Fprintln(os.Stderr, "FAIL:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestAppletsForReal runs the applets' real syscalls in a private mount namespace, in the
// sequences kubelet's mount-utils produces: a tmpfs volume, a subPath bind mount remounted
// read-only, a one-call read-only bind, and umount of a mount and of a plain directory.
func TestAppletsForReal(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a mount namespace")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+t.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

func step(err error, what string) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

func realMounts(dir string) error {
	ctx := context.Background()
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return err
	}
	src, vol, sub, ro := filepath.Join(dir, "src"), filepath.Join(dir, "vol"), filepath.Join(dir, "sub"), filepath.Join(dir, "ro")
	for _, d := range []string{src, vol, sub, ro} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(src, "f"), []byte("x"), 0o644); err != nil {
		return err
	}
	if err := step(Mount(ctx, []string{"-t", "tmpfs", "-o", "size=1m,mode=0750", "tmpfs", vol}), "mount tmpfs"); err != nil {
		return err
	}
	if err := expectMount(vol, "tmpfs", "size=1024k", "mode=750"); err != nil {
		return err
	}
	fd, err := os.Open(src)
	if err != nil {
		return err
	}
	defer func() { _ = fd.Close() }()
	proc := fmt.Sprintf("/proc/self/fd/%d", fd.Fd())
	for _, args := range [][]string{
		{"--no-canonicalize", "-o", "bind", proc, sub},
		{"--no-canonicalize", "-o", "bind,remount,ro,nodev", proc, sub},
		{"-o", "bind,ro", src, ro},
	} {
		if err := step(Mount(ctx, args), "mount "+strings.Join(args, " ")); err != nil {
			return err
		}
	}
	for _, p := range []string{sub, ro} {
		if _, err := os.ReadFile(filepath.Join(p, "f")); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(p, "g"), nil, 0o644); !errors.Is(err, unix.EROFS) {
			return fmt.Errorf("%s: write = %w, want EROFS", p, err)
		}
	}
	if err := os.WriteFile(filepath.Join(src, "g"), nil, 0o644); err != nil {
		return fmt.Errorf("the source became read-only: %w", err)
	}
	for _, p := range []string{vol, sub, ro} {
		if err := step(Umount(ctx, []string{"-f", p}), "umount "+p); err != nil {
			return err
		}
	}
	if err := Umount(ctx, []string{vol}); err == nil || err.Error() != vol+": not mounted" {
		return fmt.Errorf("umount of a plain directory = %w, want %q", err, vol+": not mounted")
	}
	return nil
}

func expectMount(target, fstype string, opts ...string) error {
	mi, err := mountinfo.GetMounts(mountinfo.SingleEntryFilter(target))
	if err != nil || len(mi) != 1 {
		return fmt.Errorf("%s: %d mounts, %w; want one", target, len(mi), err)
	}
	for _, o := range opts {
		if mi[0].FSType != fstype || !strings.Contains(","+mi[0].VFSOptions+",", ","+o+",") {
			return fmt.Errorf("%s: %s %s, want %s with %s", target, mi[0].FSType, mi[0].VFSOptions, fstype, o)
		}
	}
	return nil
}
