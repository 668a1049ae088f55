package peercred

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// serve accepts on a real unix socket with policy and answers "ok" to every admitted peer.
func serve(t *testing.T, path string, policy Policy) *syncLog {
	t.Helper()
	raw, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	log := &syncLog{}
	l := Listen(raw, policy, slog.New(slog.NewTextHandler(log, nil)))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte("ok"))
			_ = c.Close()
		}
	}()
	t.Cleanup(func() { _ = l.Close(); <-done })
	return log
}

// syncLog is a log sink the test reads while the server writes.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// answer connects and reads until the server closes: "ok" when admitted, "" when refused.
func answer(path string) (string, error) {
	c, err := net.Dial("unix", path)
	if err != nil {
		return "", err
	}
	defer func() { _ = c.Close() }()
	b, err := io.ReadAll(c)
	return string(b), err
}

func TestListener(t *testing.T) {
	me := uint32(os.Geteuid())
	tests := []struct {
		name   string
		policy Policy
		want   string
	}{
		{name: "own uid admitted", policy: AllowUIDs(0, me), want: "ok"},
		{name: "other uids only", policy: AllowUIDs(me + 1), want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.sock")
			log := serve(t, path, tt.policy)
			got, err := answer(path)
			if err != nil || got != tt.want {
				t.Fatalf("answer() = %q, %v, want %q", got, err, tt.want)
			}
			if refused := strings.Contains(log.String(), "refused a connection"); refused != (tt.want == "") {
				t.Errorf("log %q: refusal logged = %v, want %v", log.String(), refused, tt.want == "")
			}
		})
	}
}

// TestListenerOtherUID connects as uid 65534 from a thread that switched to it alone (the raw
// setresuid changes only the calling thread, which is then discarded). Root only: switching
// uids needs the privilege.
func TestListenerOtherUID(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("switching a thread to another uid needs root; TestListener covers the decision")
	}
	// An abstract socket: no file permissions stand in the way, only the listener's policy.
	path := fmt.Sprintf("@cairn-peercred-test-%d", os.Getpid())
	log := serve(t, path, AllowUIDs(0, 50, 51))
	type result struct {
		got string
		err error
	}
	res := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		if _, _, errno := syscall.RawSyscall(syscall.SYS_SETRESUID, 65534, 65534, 65534); errno != 0 {
			res <- result{err: fmt.Errorf("setresuid: %w", errno)}
			return
		}
		got, err := answer(path)
		res <- result{got, err}
	}()
	r := <-res
	if r.err != nil || r.got != "" {
		t.Fatalf("uid 65534: answer() = %q, %v, want a refusal", r.got, r.err)
	}
	if !strings.Contains(log.String(), "uid=65534") {
		t.Errorf("log %q does not name uid 65534", log.String())
	}
	if got, err := answer(path); err != nil || got != "ok" {
		t.Errorf("root: answer() = %q, %v, want ok", got, err)
	}
}
