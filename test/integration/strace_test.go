package integration

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// CAIRN_STRACE_DIR=DIR runs every machined under `strace -ff`, one trace file per thread in
// DIR/<ip>/, so that hack/syscalls can list the system calls apid and trustd made in the whole
// suite (the source of their seccomp allowlists). Tests that check timing or graceful exits may
// fail while tracing; only the traces matter then.
var straceDir = os.Getenv("CAIRN_STRACE_DIR")

// command returns the program and arguments that start machined with args.
func (n *node) command(args []string) (string, []string) {
	if straceDir == "" {
		return binary, args
	}
	dir := filepath.Join(straceDir, n.ip)
	_ = os.MkdirAll(dir, 0o755)
	return "strace", append([]string{"-ff", "-qq", "-s", "64", "-o", filepath.Join(dir, "t"), binary}, args...)
}

// signal sends sig to machined: to strace's child when tracing (strace blocks fatal signals).
func (n *node) signal(sig syscall.Signal) error {
	pid := n.cmd.Process.Pid
	if straceDir != "" {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + strconv.Itoa(pid) + "/children")
		if f := strings.Fields(string(b)); len(f) > 0 {
			pid, _ = strconv.Atoi(f[0])
		}
	}
	return syscall.Kill(pid, sig)
}
