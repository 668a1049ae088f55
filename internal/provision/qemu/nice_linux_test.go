package qemu

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestStartNiced: the child starts at the worker's nice value and the starting thread gets
// its own back; reniceProcess brings the child back to 0.
func TestStartNiced(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before, err := unix.Getpriority(unix.PRIO_PROCESS, 0)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sleep", "10")
	if err := startNiced(cmd, workerNice); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	// The fields after the command's closing parenthesis; nice is field 19 of the file.
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
	if nice, _ := strconv.Atoi(fields[16]); nice != max(workerNice, 20-before) {
		t.Errorf("child's nice = %d, want %d", nice, max(workerNice, 20-before))
	}
	if after, _ := unix.Getpriority(unix.PRIO_PROCESS, 0); after != before {
		t.Errorf("the starting thread's priority is %d after, %d before", after, before)
	}
	if err := reniceProcess(cmd.Process.Pid, 0); err != nil {
		t.Fatal(err)
	}
	if got, _ := unix.Getpriority(unix.PRIO_PROCESS, cmd.Process.Pid); 20-got != 0 {
		t.Errorf("after reniceProcess(0) the child's nice is %d", 20-got)
	}
}
