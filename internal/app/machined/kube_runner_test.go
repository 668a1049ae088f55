package machined

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cosi-project/runtime/pkg/controller/runtime"
	"github.com/cosi-project/runtime/pkg/state"
	"github.com/cosi-project/runtime/pkg/state/impl/inmem"
	"github.com/cosi-project/runtime/pkg/state/impl/namespaced"
	"go.uber.org/zap"

	"github.com/cairn-os/cairn/internal/pkg/supervisor"
	"github.com/cairn-os/cairn/pkg/machinery/constants"
	"github.com/cairn-os/cairn/pkg/machinery/resources"
)

// running returns the supervisor's services that are Running, with their PIDs.
func running(sup *supervisor.Supervisor) map[string]int {
	out := map[string]int{}
	for _, s := range sup.List() {
		if s.State == supervisor.StateRunning {
			out[s.Name] = s.PID
		}
	}
	return out
}

// TestKubeRunner drives the supervisor through KubeService resources, as the Kubernetes
// controller does: a service whose dependency is defined later starts once it runs; a new
// digest restarts a service with its new definition and leaves the others alone; a removed
// resource stops its service and the supervisor forgets it.
func TestKubeRunner(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sup, err := supervisor.New(slog.New(slog.DiscardHandler), supervisor.Options{MinBackoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer sup.StopAll()
	n := &daemon{log: slog.New(slog.DiscardHandler), sup: sup, sandbox: &sandboxing{}}
	st := state.WrapCore(namespaced.NewState(inmem.Build))
	rt, err := runtime.NewRuntime(st, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.RegisterController(&kubeRunner{n: n}); err != nil {
		t.Fatal(err)
	}
	go func() { _ = rt.Run(ctx) }()

	sleep := func(digest string, deps ...string) resources.KubeServiceSpec {
		return resources.KubeServiceSpec{Path: "/bin/sleep", Args: []string{"sleep", "300"}, Privileged: true, DependsOn: deps, Digest: digest}
	}
	put := func(name string, spec resources.KubeServiceSpec) {
		r := resources.NewKubeService(name)
		*r.TypedSpec() = spec
		if _, err := st.Get(ctx, r.Metadata()); err == nil {
			cur, _ := st.Get(ctx, r.Metadata())
			r.Metadata().SetVersion(cur.Metadata().Version())
			if err := st.Update(ctx, r); err != nil {
				t.Fatal(err)
			}
			return
		}
		if err := st.Create(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	put("kubelet", sleep("a", "containerd"))
	put("containerd", sleep("a"))
	waitUntil(t, "containerd and the kubelet run", func() bool { return len(running(sup)) == 2 })
	before := running(sup)

	put("kubelet", sleep("b", "containerd"))
	waitUntil(t, "the kubelet restarts", func() bool {
		now := running(sup)
		return now["kubelet"] != 0 && now["kubelet"] != before["kubelet"]
	})
	if now := running(sup); now["containerd"] != before["containerd"] {
		t.Errorf("containerd restarted (pid %d → %d) when only the kubelet changed", before["containerd"], now["containerd"])
	}
	if err := st.Destroy(ctx, resources.NewKubeService("kubelet").Metadata()); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the kubelet is gone", func() bool {
		return !slices.ContainsFunc(sup.List(), func(s supervisor.Status) bool { return s.Name == "kubelet" })
	})
}

// TestHandedFiles: a service that runs as another user reads a root-only (0600) file through
// the copy machined hands it on descriptor 3, cannot read the file itself, cannot change the
// copy, and machined keeps no descriptor of it once the service started.
func TestHandedFiles(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to start a service as another user")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(dir, "scheduler.conf")
	if err := os.WriteFile(secret, []byte("the kubeconfig\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sup, err := supervisor.New(slog.New(slog.DiscardHandler), supervisor.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sup.StopAll()
	script := `cat /proc/self/fd/3; cat ` + secret + ` 2>/dev/null && echo READ-THE-FILE; ` +
		`(echo changed >> /proc/self/fd/3) 2>/dev/null && echo CHANGED-THE-COPY; echo done; exec sleep 300`
	spec := supervisor.Spec{
		Name:    "reader",
		Command: func() *exec.Cmd { return exec.Command("sh", "-c", script) },
		Files:   handedFiles([]string{secret}),
		Sandbox: &supervisor.Sandbox{NoNewPrivs: true, Credential: &syscall.Credential{Uid: 65534, Gid: 65534}},
	}
	if err := sup.Put(context.Background(), spec, true); err != nil {
		t.Fatal(err)
	}
	ring, _ := sup.Logs("reader")
	var out string
	waitUntil(t, "the service's output", func() bool {
		var b strings.Builder
		for _, l := range ring.Tail(10) {
			b.Write(l)
		}
		out = b.String()
		return strings.Contains(out, "done")
	})
	if out != "the kubeconfig\ndone\n" {
		t.Errorf("the service printed %q, want the copy's content only", out)
	}
	fds, _ := os.ReadDir("/proc/self/fd")
	for _, fd := range fds {
		if l, _ := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); strings.Contains(l, constants.HandedFilePrefix) {
			t.Errorf("machined still holds %s on descriptor %s", l, fd.Name())
		}
	}
	if _, err := handedFiles([]string{filepath.Join(dir, "missing")})(); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("handing a missing file: %v, want an error naming it", err)
	}
}
