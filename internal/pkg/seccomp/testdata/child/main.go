// Command child is seccomp.TestInstall's child: it installs apid's allowlist, serves one TCP
// connection on loopback and then calls acct(2), which the allowlist does not hold.
package main

import (
	"net"
	"os"

	"golang.org/x/sys/unix"

	"github.com/cairn-os/cairn/internal/pkg/seccomp"
)

func main() {
	say := func(s string) { _, _ = os.Stdout.WriteString("child: " + s + "\n") }
	if err := seccomp.Install(seccomp.APID); err != nil {
		say(err.Error())
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		say("listen: " + err.Error())
		os.Exit(1)
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
		os.Exit(1)
	}
	b := make([]byte, 2)
	if _, err := c.Read(b); err != nil || string(b) != "hi" {
		say("read: " + string(b))
		os.Exit(1)
	}
	say("served")
	_, _, errno := unix.Syscall(unix.SYS_ACCT, 0, 0, 0)
	say("acct returned " + errno.Error())
}
