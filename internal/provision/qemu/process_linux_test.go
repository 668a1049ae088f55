package qemu

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

func TestProcessAlive(t *testing.T) {
	if !processAlive(os.Getpid()) {
		t.Error("processAlive(self) = false")
	}
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Not yet waited for: a zombie once it has exited, which is not alive.
	for deadline := time.Now().Add(10 * time.Second); processAlive(cmd.Process.Pid) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if processAlive(cmd.Process.Pid) {
		t.Error("processAlive(zombie) = true")
	}
	_ = cmd.Wait()
	if processAlive(cmd.Process.Pid) {
		t.Error("processAlive(reaped) = true")
	}
}
