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

// TestOwnProcess: a process is ours when its command line holds both marks, the last argument
// included (each argument is followed by a space, as "--dir DIR " expects).
func TestOwnProcess(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	pid := cmd.Process.Pid
	if !ownProcess(pid, "sleep ", "30 ") {
		t.Errorf("ownProcess(sleep 30, %q, %q) = false", "sleep ", "30 ")
	}
	if ownProcess(pid, "sleep ", "3 ") {
		t.Errorf("ownProcess(sleep 30, %q, %q) = true", "sleep ", "3 ")
	}
}

// TestProcessExiting: neither a running process nor a zombie is "exiting" (the daemon waits
// only for a QEMU that is in the middle of its exit).
func TestProcessExiting(t *testing.T) {
	if processExiting(os.Getpid()) {
		t.Error("processExiting(self) = true")
	}
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); processAlive(cmd.Process.Pid) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if processExiting(cmd.Process.Pid) {
		t.Error("processExiting(zombie) = true")
	}
	_ = cmd.Wait()
	if processExiting(cmd.Process.Pid) {
		t.Error("processExiting(reaped) = true")
	}
}
