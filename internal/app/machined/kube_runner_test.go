package machined

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/cosi-project/runtime/pkg/controller/runtime"
	"github.com/cosi-project/runtime/pkg/state"
	"github.com/cosi-project/runtime/pkg/state/impl/inmem"
	"github.com/cosi-project/runtime/pkg/state/impl/namespaced"
	"go.uber.org/zap"

	"github.com/cairn-os/cairn/internal/pkg/supervisor"
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
