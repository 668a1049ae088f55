package supervisor

import (
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cairn-os/cairn/internal/pkg/seccomp"
)

// TestSIGSYSReported runs a service that installs apid's system-call allowlist and then calls
// acct(2), which it does not hold: the kernel kills it with SIGSYS, and the supervisor's state
// message and last error say so plainly.
func TestSIGSYSReported(t *testing.T) {
	if os.Getenv("SUPERVISOR_SIGSYS_CHILD") != "" {
		os.Exit(sigsysChild())
	}
	changes := make(chan Change, 10)
	sup, err := New(slog.New(slog.DiscardHandler), Options{MinBackoff: time.Hour, OnChange: func(c Change) {
		if c.State == StateBackoff {
			changes <- c
		}
	}}, Spec{Name: "sigsys", Command: func() *exec.Cmd {
		c := exec.Command(os.Args[0], "-test.run=^TestSIGSYSReported$")
		c.Env = append(os.Environ(), "SUPERVISOR_SIGSYS_CHILD=1")
		return c
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer sup.StopAll()
	if err := sup.StartAll(t.Context()); err != nil {
		t.Fatal(err)
	}
	c := <-changes
	const want = "sigsys killed by SIGSYS: a system call outside its seccomp allowlist"
	if !strings.HasPrefix(c.Message, "exited: "+want) || !strings.HasPrefix(c.LastError, want) {
		ring, _ := sup.Logs("sigsys")
		t.Errorf("state message %q, last error %q; want them to say %q\nservice output:\n%s", c.Message, c.LastError, want, ring.Tail(10))
	}
}

// sigsysChild installs apid's allowlist and calls acct(2), which no profile allows.
func sigsysChild() int {
	if err := seccomp.Install(seccomp.APID); err != nil {
		_, _ = os.Stdout.WriteString("child: " + err.Error() + "\n")
		return 1
	}
	_, _, errno := unix.Syscall(unix.SYS_ACCT, 0, 0, 0)
	_, _ = os.Stdout.WriteString("child: acct returned " + errno.Error() + "\n")
	return 0
}
