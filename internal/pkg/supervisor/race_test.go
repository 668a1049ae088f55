package supervisor

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// liveProcs lists the pids of live (not zombie) processes whose command line is exactly argv.
func liveProcs(t *testing.T, argv ...string) []int {
	t.Helper()
	want := []byte(strings.Join(argv, "\x00") + "\x00")
	var out []int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		raw, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil || !bytes.Equal(raw, want) {
			continue
		}
		stat, err := os.ReadFile(filepath.Join(d, "stat"))
		if err != nil || bytes.Contains(stat, []byte(") Z ")) {
			continue
		}
		var pid int
		_, _ = fmt.Sscan(filepath.Base(d), &pid)
		out = append(out, pid)
	}
	return out
}

// wantReal fails unless the reported state of svc is what runs: Running with exactly its
// reported pid alive, or Stopped with none of its processes alive.
func wantReal(t *testing.T, sup *Supervisor, argv []string) {
	t.Helper()
	var st Status
	waitFor(t, "a settled state", func() bool {
		st = sup.List()[0]
		return st.State == StateRunning || st.State == StateStopped
	})
	live := liveProcs(t, argv...)
	switch {
	case st.State == StateRunning && (len(live) != 1 || live[0] != st.PID):
		t.Errorf("reported Running as pid %d, live processes %v", st.PID, live)
	case st.State == StateStopped && len(live) != 0:
		t.Errorf("reported Stopped, live processes %v", live)
	}
}

// TestParallelActionsReportReality hammers one service with start, stop and restart from
// several goroutines, then checks the reported state against the processes that exist.
func TestParallelActionsReportReality(t *testing.T) {
	argv := []string{"sleep", fmt.Sprintf("3000.%d", os.Getpid())}
	sup, err := New(slog.New(slog.DiscardHandler), Options{MinBackoff: time.Millisecond},
		Spec{Name: "svc", StopTimeout: time.Second, Command: func() *exec.Cmd { return exec.Command(argv[0], argv[1:]...) }})
	if err != nil {
		t.Fatal(err)
	}
	defer sup.StopAll()
	ctx := context.Background()
	actions := []func(){
		func() { _, _ = sup.Start(ctx, "svc") },
		func() { _ = sup.Stop("svc") },
		func() { _ = sup.Restart(ctx, "svc") },
	}
	for round := range 5 {
		var wg sync.WaitGroup
		for g := range 6 {
			wg.Go(func() {
				for i := range 10 {
					actions[(g+i+round)%len(actions)]()
				}
			})
		}
		wg.Wait()
		wantReal(t, sup, argv)
	}
	if _, err := sup.Start(ctx, "svc"); err != nil {
		t.Fatal(err)
	}
	if st := sup.List()[0]; st.State != StateRunning {
		t.Errorf("state after Start returned = %s, want Running", st.State)
	}
	wantReal(t, sup, argv)
	if err := sup.Stop("svc"); err != nil {
		t.Fatal(err)
	}
	wantReal(t, sup, argv)
}

// TestRestartsCounted counts restarts asked for and restarts after a crash.
func TestRestartsCounted(t *testing.T) {
	sup, err := New(slog.New(slog.DiscardHandler), Options{MinBackoff: time.Millisecond},
		Spec{Name: "svc", Command: func() *exec.Cmd { return exec.Command("sleep", "300") }})
	if err != nil {
		t.Fatal(err)
	}
	defer sup.StopAll()
	ctx := context.Background()
	if started, err := sup.Start(ctx, "svc"); err != nil || !started {
		t.Fatalf("Start = %v, %v; want started", started, err)
	}
	if started, err := sup.Start(ctx, "svc"); err != nil || started {
		t.Errorf("Start of a running service = %v, %v; want not started again", started, err)
	}
	for range 3 {
		if err := sup.Restart(ctx, "svc"); err != nil {
			t.Fatal(err)
		}
	}
	if got := sup.List()[0].Restarts; got != 3 {
		t.Errorf("Restarts after 3 Restart calls = %d, want 3", got)
	}
	pid := sup.List()[0].PID
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the restart after the crash", func() bool { st := sup.List()[0]; return st.State == StateRunning && st.PID != pid })
	if got := sup.List()[0].Restarts; got != 4 {
		t.Errorf("Restarts after a crash = %d, want 4", got)
	}
}

// TestRunningMeansReady keeps a service Starting until its ready check passes.
func TestRunningMeansReady(t *testing.T) {
	flag := filepath.Join(t.TempDir(), "ready")
	sup, err := New(slog.New(slog.DiscardHandler), Options{},
		Spec{Name: "svc", Command: func() *exec.Cmd { return exec.Command("sleep", "300") }, Ready: func(context.Context) error {
			_, err := os.Stat(flag)
			return err
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer sup.StopAll()
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan error, 1)
	go func() { _, err := sup.Start(ctx, "svc"); started <- err }()
	waitFor(t, "the process", func() bool { return sup.List()[0].PID != 0 })
	if st := sup.List()[0]; st.State != StateStarting {
		t.Errorf("state before the ready check passes = %s, want Starting", st.State)
	}
	if err := os.WriteFile(flag, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := <-started; err != nil {
		t.Fatalf("Start = %v", err)
	}
	cancel()
	if st := sup.List()[0]; st.State != StateRunning {
		t.Errorf("state after the ready check passed = %s, want Running", st.State)
	}
}
