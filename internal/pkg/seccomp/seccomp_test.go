package seccomp

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestParseList(t *testing.T) {
	got, err := ParseList("# comment\nread\n\n write # inline\n")
	if err != nil || strings.Join(got, ",") != "read,write" {
		t.Errorf("ParseList() = %v, %v, want [read write]", got, err)
	}
	for in, want := range map[string]string{
		"read\nread\n": `line 2: "read" is listed twice`,
		"read(2)\n":    `line 1: "read(2)" is not a system call name`,
	} {
		if _, err := ParseList(in); err == nil || err.Error() != want {
			t.Errorf("ParseList(%q) = %v, want %q", in, err, want)
		}
	}
}

// TestProfilesAssemble: every name in the reviewed lists is a system call of this
// architecture (an unknown name fails the assembly, and would fail Install at run time).
func TestProfilesAssemble(t *testing.T) {
	for _, p := range []Profile{APID, Trustd} {
		pol := p.policy()
		if _, err := pol.Assemble(); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
		if len(p.Syscalls) < 20 {
			t.Errorf("%s allows %d system calls: the list did not load", p.Name, len(p.Syscalls))
		}
	}
}

// TestInstall runs a child (testdata/child, built without cgo as the image is: a cgo
// binary's C library makes calls the lists do not hold) that installs apid's allowlist, serves
// a TCP connection on loopback (allowed calls keep working) and then calls acct(2), which no
// profile allows: the kernel kills it with SIGSYS.
func TestInstall(t *testing.T) {
	for _, p := range []Profile{APID, Trustd} {
		if strings.Contains(strings.Join(p.Syscalls, " "), "acct") {
			t.Fatalf("%s allows acct: pick another forbidden call for this test", p.Name)
		}
	}
	bin := filepath.Join(t.TempDir(), "child")
	build := exec.Command("go", "build", "-o", bin, "./testdata/child")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the child: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("child: %v, want killed by SIGSYS\n%s", err, out)
	}
	ws := ee.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != syscall.SIGSYS || !strings.Contains(string(out), "child: served") {
		t.Fatalf("child ended with %v, want killed by SIGSYS after serving\n%s", ee, out)
	}
}
