package supervisor

import (
	"context"
	"errors"
	"log/slog"
	"os/exec"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// waitFor polls cond until it holds; the test's own timeout bounds it.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		if t.Context().Err() != nil {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSupervisor(t *testing.T) {
	changes := make(chan Change, 100)
	sup, err := New(slog.New(slog.DiscardHandler), Options{MinBackoff: time.Millisecond, OnChange: func(c Change) {
		select {
		case changes <- c:
		default:
		}
	}},
		Spec{Name: "base", Protected: true, Command: func() *exec.Cmd { return exec.Command("sleep", "300") }},
		Spec{Name: "flappy", DependsOn: []string{"base"}, Command: func() *exec.Cmd {
			return exec.Command("sh", "-c", "echo hello from flappy; exit 3")
		}},
	)
	if err != nil {
		t.Fatal(err)
	}
	defer sup.StopAll()
	ctx := context.Background()
	if err := sup.StartAll(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "flappy restarts", func() bool { return sup.List()[1].Restarts >= 2 })
	ring, _ := sup.Logs("flappy")
	if got := string(ring.Tail(1)[0]); got != "hello from flappy\n" {
		t.Errorf("Tail(1) = %q, want the service's output", got)
	}
	if st := sup.List()[1]; !strings.Contains(st.LastError, "exit status 3") {
		t.Errorf("LastError = %q, want exit status 3", st.LastError)
	}
	if err := sup.Stop("base"); !errors.Is(err, ErrFailedPrecondition) {
		t.Errorf("Stop(protected) = %v, want ErrFailedPrecondition", err)
	}
	if err := sup.Stop("flappy"); err != nil {
		t.Fatal(err)
	}
	if st := sup.List()[1].State; st != StateStopped {
		t.Errorf("state after Stop = %s, want Stopped", st)
	}
	pid := sup.List()[0].PID
	if err := sup.Restart(ctx, "base"); err != nil {
		t.Fatal(err)
	}
	if st := sup.List()[0]; st.State != StateRunning || st.PID == pid {
		t.Errorf("after Restart: %+v, want Running with a new pid (old %d)", st, pid)
	}
	if _, err := sup.Start(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Start(nope) = %v, want ErrNotFound", err)
	}
}

func TestDependencyErrors(t *testing.T) {
	cmd := func() *exec.Cmd { return exec.Command("true") }
	if _, err := New(slog.New(slog.DiscardHandler), Options{}, Spec{Name: "a", DependsOn: []string{"b"}, Command: cmd}, Spec{Name: "b", DependsOn: []string{"a"}, Command: cmd}); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Errorf("cycle: err = %v", err)
	}
	if _, err := New(slog.New(slog.DiscardHandler), Options{}, Spec{Name: "a", DependsOn: []string{"x"}, Command: cmd}); err == nil || !strings.Contains(err.Error(), `unknown service "x"`) {
		t.Errorf("unknown dep: err = %v", err)
	}
}

func TestRingFollow(t *testing.T) {
	r := NewRing(20)
	_, _ = r.Write([]byte("one\ntwo\nthree\nfour\nfi"))
	if got := len(r.Tail(-1)); got != 4 {
		t.Errorf("kept %d lines, want 4 within 20 bytes", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var got []string
	// The rest of the line is written once Follow has subscribed (it calls fn with the tail
	// after subscribing): written earlier, "five" would be the tail and no line would follow.
	_ = r.Follow(ctx, 1, func(b []byte) error {
		got = append(got, string(b))
		switch len(got) {
		case 1:
			go func() { _, _ = r.Write([]byte("ve\n")) }()
		case 2:
			cancel()
		}
		return nil
	})
	if strings.Join(got, "") != "four\nfive\n" {
		t.Errorf("Follow = %q, want four, five", got)
	}
}

// TestRingTap: the tap sees every complete line once, in order, including lines the ring
// later drops for room.
func TestRingTap(t *testing.T) {
	r := NewRing(24)
	var got []string
	r.SetTap(func(l []byte) { got = append(got, string(l)) })
	_, _ = r.Write([]byte("one\ntwo\nthr"))
	_, _ = r.Write([]byte("ee\nfour\nfive\nsix\n"))
	if want := []string{"one\n", "two\n", "three\n", "four\n", "five\n", "six\n"}; !slices.Equal(got, want) {
		t.Errorf("tap saw %q, want %q", got, want)
	}
	if tail := r.Tail(-1); string(tail[0]) == "one\n" {
		t.Errorf("the ring kept %q: the test no longer shows the tap seeing dropped lines", tail)
	}
}

// TestStartAfter: a service whose StartAfter fails is Waiting, with the failure in its
// message, and no process is started; once the check passes it starts and runs. Stopped
// while Waiting it stops at once.
func TestStartAfter(t *testing.T) {
	var open atomic.Bool
	changes := make(chan Change, 100)
	gate := func(context.Context) error {
		if !open.Load() {
			return errors.New("apiserver not answering")
		}
		return nil
	}
	sup, err := New(slog.New(slog.DiscardHandler), Options{MinBackoff: time.Millisecond, OnChange: func(c Change) {
		select {
		case changes <- c:
		default:
		}
	}},
		Spec{Name: "gated", Command: func() *exec.Cmd { return exec.Command("sleep", "300") },
			StartAfter: gate, StartAfterWhat: "the apiserver"},
		Spec{Name: "held", Command: func() *exec.Cmd { return exec.Command("sleep", "300") }, StartAfter: gate},
	)
	if err != nil {
		t.Fatal(err)
	}
	defer sup.StopAll()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	started := make(chan error, 1)
	go func() { _, err := sup.Start(ctx, "gated"); started <- err }()
	waitFor(t, "gated Waiting", func() bool { return sup.List()[0].State == StateWaiting })
	if st := sup.List()[0]; st.PID != 0 {
		t.Errorf("Waiting with pid %d: the process started before its StartAfter passed", st.PID)
	}
	var msg string
	for c := range changes {
		if c.State == StateWaiting {
			msg = c.Message
			break
		}
	}
	if want := "waiting for the apiserver: apiserver not answering"; msg != want {
		t.Errorf("Waiting message = %q, want %q", msg, want)
	}
	open.Store(true)
	if err := <-started; err != nil {
		t.Fatalf("Start after the check passed: %v", err)
	}
	if st := sup.List()[0]; st.State != StateRunning || st.PID == 0 {
		t.Errorf("after the check passed: %+v, want Running with a pid", st)
	}

	open.Store(false)
	go func() { _, _ = sup.Start(ctx, "held") }()
	waitFor(t, "held Waiting", func() bool { return sup.List()[1].State == StateWaiting })
	if err := sup.Stop("held"); err != nil {
		t.Fatal(err)
	}
	if st := sup.List()[1].State; st != StateStopped {
		t.Errorf("stopped while Waiting: %s, want Stopped", st)
	}
}

// TestReadyWithin: a process that is not ready within its ReadyWithin is stopped and started
// again, counted as a failure that says why.
func TestReadyWithin(t *testing.T) {
	sup, err := New(slog.New(slog.DiscardHandler), Options{MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond},
		Spec{Name: "stuck", Command: func() *exec.Cmd { return exec.Command("sleep", "300") },
			Ready:       func(context.Context) error { return errors.New("no certificate yet") },
			ReadyWithin: 200 * time.Millisecond},
	)
	if err != nil {
		t.Fatal(err)
	}
	defer sup.StopAll()
	go func() { _, _ = sup.Start(t.Context(), "stuck") }()
	waitFor(t, "stuck restarted twice", func() bool { return sup.List()[0].Restarts >= 2 })
	if st := sup.List()[0]; !strings.Contains(st.LastError, "stuck not ready within 200ms") {
		t.Errorf("LastError = %q, want the ready deadline", st.LastError)
	}
}
