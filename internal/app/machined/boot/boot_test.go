package boot

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestPhaseOrder(t *testing.T) {
	var got []string
	for _, p := range phases() {
		for _, tk := range p.tasks {
			got = append(got, p.name+"/"+tk.name)
		}
	}
	want := []string{"mounts/mount filesystems", "kernel/load modules", "kernel/sysctls", "kernel/rng", "disks/state and ephemeral", "disks/efi system partition", "disks/trial watchdog", "etc/etc overlay",
		"network/loopback", "network/links", "network/hostname", "network/resolvers", "time/ntp", "config/acquire"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("boot phases (-want +got):\n%s", diff)
	}
}

func TestFetchConfigRetries(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) < 3 {
			http.Error(w, "not yet", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "machine: {}\n")
	}))
	defer srv.Close()
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, nil))
	data, err := fetchConfig(context.Background(), log, srv.Client(), srv.URL+"/config", 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != "machine: {}\n" || calls.Load() != 3 {
		t.Errorf("fetchConfig() = %q after %d calls, want the config after 3", data, calls.Load())
	}
	if n := strings.Count(logs.String(), "cannot fetch the machine config"); n != 2 {
		t.Errorf("%d retry messages, want 2:\n%s", n, logs.String())
	}
}

func TestFetchConfigBadURL(t *testing.T) {
	for _, u := range []string{"ftp://x/y", "not a url", "http://"} {
		if _, err := fetchConfig(context.Background(), slog.New(slog.DiscardHandler), http.DefaultClient, u, time.Millisecond); err == nil {
			t.Errorf("fetchConfig(%q) = nil error, want error", u)
		}
	}
}

func TestFetchConfigCancel(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := fetchConfig(ctx, slog.New(slog.DiscardHandler), srv.Client(), srv.URL, time.Millisecond); err == nil {
		t.Error("fetchConfig(cancelled) = nil error, want error")
	}
}

// TestZombieChildren: a child that exited and was not waited for is listed, and the peek
// without collecting it sees it (and leaves it for Wait); once reaped neither does.
func TestZombieChildren(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	for deadline := time.Now().Add(10 * time.Second); !zombieChildren()[pid] && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if !zombieChildren()[pid] {
		t.Errorf("zombieChildren() lacks the exited child %d", pid)
	}
	if !anyZombieChild() {
		t.Errorf("anyZombieChild() = false with the exited child %d not waited for", pid)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("Wait after the peek: %v (the peek must not collect the child)", err)
	}
	if zombieChildren()[pid] {
		t.Errorf("zombieChildren() lists %d after it was reaped", pid)
	}
	if anyZombieChild() {
		t.Error("anyZombieChild() = true after the only child was reaped")
	}
}

func TestTrialMinutes(t *testing.T) {
	dir := t.TempDir()
	if got := trialMinutes(dir); got != defaultTrialMinutes {
		t.Errorf("no file: %d", got)
	}
	for content, want := range map[string]int{"5\n": 5, "1": defaultTrialMinutes, "x": defaultTrialMinutes, "120": 120, "121": defaultTrialMinutes} {
		if err := os.WriteFile(filepath.Join(dir, TrialMinutesFile), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if got := trialMinutes(dir); got != want {
			t.Errorf("trialMinutes(%q) = %d, want %d", content, got, want)
		}
	}
}
