package seccomp

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
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

// TestInstall runs a child that installs apid's allowlist, serves a TCP connection on
// loopback (allowed calls keep working) and then calls acct(2), which no profile allows: the
// kernel kills it with SIGSYS.
func TestInstall(t *testing.T) {
	if os.Getenv("SECCOMP_CHILD") != "" {
		os.Exit(child())
	}
	for _, p := range []Profile{APID, Trustd} {
		if strings.Contains(strings.Join(p.Syscalls, " "), "acct") {
			t.Fatalf("%s allows acct: pick another forbidden call for this test", p.Name)
		}
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestInstall$")
	cmd.Env = append(os.Environ(), "SECCOMP_CHILD=1")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("child: %v, want killed by SIGSYS\n%s", err, out)
	}
	ws := ee.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != syscall.SIGSYS || !strings.Contains(string(out), "child: served") {
		t.Fatalf("child ended with %v, want killed by SIGSYS after serving\n%s", ee, out)
	}
}

func child() int {
	say := func(s string) { _, _ = os.Stdout.WriteString("child: " + s + "\n") }
	if err := Install(APID); err != nil {
		say(err.Error())
		return 1
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		say("listen: " + err.Error())
		return 1
	}
	go func() {
		if c, err := ln.Accept(); err == nil {
			_, _ = c.Write([]byte("hi"))
			_ = c.Close()
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		say("dial: " + err.Error())
		return 1
	}
	b := make([]byte, 2)
	if _, err := c.Read(b); err != nil || string(b) != "hi" {
		say("read: " + string(b))
		return 1
	}
	say("served")
	_, _, errno := unix.Syscall(unix.SYS_ACCT, 0, 0, 0)
	say("acct returned " + errno.Error())
	return 0
}
