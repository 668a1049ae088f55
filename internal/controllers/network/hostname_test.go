package network_test

import (
	"context"
	"testing"
	"time"

	"github.com/cosi-project/runtime/pkg/controller/runtime"
	"github.com/cosi-project/runtime/pkg/safe"
	"github.com/cosi-project/runtime/pkg/state"
	"github.com/cosi-project/runtime/pkg/state/impl/inmem"
	"github.com/cosi-project/runtime/pkg/state/impl/namespaced"
	"go.uber.org/zap"

	"github.com/cairn-os/cairn/internal/controllers/network"
	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/resources"
)

// hostname waits until the Hostname resource has the wanted spec.
func hostname(ctx context.Context, t *testing.T, st state.State, want resources.HostnameSpec) {
	t.Helper()
	for {
		h, err := safe.StateGetByID[*resources.Hostname](ctx, st, resources.HostnameID)
		if err == nil && *h.TypedSpec() == want {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("Hostname never became %+v (last: %v, %v)", want, h, err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func TestHostnameController(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st := state.WrapCore(namespaced.NewState(inmem.Build))
	rt, err := runtime.NewRuntime(st, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.RegisterController(&network.HostnameController{Default: "cairn-default"}); err != nil {
		t.Fatal(err)
	}
	go func() { _ = rt.Run(ctx) }()
	hostname(ctx, t, st, resources.HostnameSpec{Hostname: "cairn-default", Source: "default"})

	cfg := config.New()
	cfg.Machine.Network.Hostname = "node-x"
	data, err := cfg.Encode()
	if err != nil {
		t.Fatal(err)
	}
	mc := resources.NewMachineConfig()
	mc.TypedSpec().YAML = string(data)
	if err := st.Create(ctx, mc); err != nil {
		t.Fatal(err)
	}
	hostname(ctx, t, st, resources.HostnameSpec{Hostname: "node-x", Source: "config"})
	if err := st.Destroy(ctx, mc.Metadata()); err != nil {
		t.Fatal(err)
	}
	hostname(ctx, t, st, resources.HostnameSpec{Hostname: "cairn-default", Source: "default"})
}
