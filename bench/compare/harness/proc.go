package harness

import (
	"context"
	"os/exec"
	"syscall"
	"time"
)

// groupCommand is exec.CommandContext with the child in its own process group; cancelling ctx
// sends SIGTERM to the whole group (so a script's children and its EXIT trap get to run) and
// SIGKILL 10 s later.
func groupCommand(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	return cmd
}
