package integration

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// liveServiceProcs lists the live (not zombie) processes whose command line holds every part
// of marks.
func liveServiceProcs(t *testing.T, marks ...string) []int32 {
	t.Helper()
	var out []int32
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		raw, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil || !containsAll(raw, marks) {
			continue
		}
		if stat, err := os.ReadFile(filepath.Join(d, "stat")); err != nil || bytes.Contains(stat, []byte(") Z ")) {
			continue
		}
		var pid int32
		_, _ = fmt.Sscan(filepath.Base(d), &pid)
		out = append(out, pid)
	}
	return out
}

func containsAll(raw []byte, marks []string) bool {
	for _, m := range marks {
		if !bytes.Contains(raw, []byte(m)) {
			return false
		}
	}
	return true
}

// serviceInfo is the node's report on service id.
func serviceInfo(t *testing.T, cl *client.Client, id string) *machine.ServiceInfo {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := cl.Machine.ServiceList(ctx, &common.Empty{})
	if err != nil {
		t.Fatalf("ServiceList: %v", err)
	}
	for _, s := range resp.GetMessages()[0].GetServices() {
		if s.GetId() == id {
			return s
		}
	}
	t.Fatalf("no service %q", id)
	return nil
}

// TestServiceActionsInParallel hammers trustd with restart, stop and start from several
// callers at once; afterwards the reported state must be the real one, start must start,
// and the restart count must count restarts.
func TestServiceActionsInParallel(t *testing.T) {
	n := privateNode(t, "127.0.0.22", "node-svc")
	op := nodeClient(t, n, role.Operator)
	marks := []string{"trustd\x00", "--listen\x00" + n.ip + ":"}
	actions := []func(context.Context, *machine.ServiceRequest) error{
		func(ctx context.Context, r *machine.ServiceRequest) error {
			_, err := op.Machine.ServiceRestart(ctx, r)
			return err
		},
		func(ctx context.Context, r *machine.ServiceRequest) error {
			_, err := op.Machine.ServiceStop(ctx, r)
			return err
		},
		func(ctx context.Context, r *machine.ServiceRequest) error {
			_, err := op.Machine.ServiceStart(ctx, r)
			return err
		},
	}
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Go(func() {
			for i := range 8 {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				_ = actions[(g+i)%len(actions)](ctx, &machine.ServiceRequest{Id: "trustd"})
				cancel()
			}
		})
	}
	wg.Wait()
	wantServiceReal(t, op, "trustd", marks)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := op.Machine.ServiceStart(ctx, &machine.ServiceRequest{Id: "trustd"}); err != nil {
		t.Fatalf("ServiceStart: %v", err)
	}
	if s := serviceInfo(t, op, "trustd"); s.GetState() != "Running" {
		t.Errorf("trustd after start answered = %s, want Running", s.GetState())
	}
	wantServiceReal(t, op, "trustd", marks)
	out := mustCtl(t, shared.configs[role.Operator], "service", "trustd", "start", "-e", n.ip, "-n", n.ip)
	wantContains(t, "start of a running service", out, `service "trustd" is already running`)
	before := serviceInfo(t, op, "trustd").GetRestarts()
	for range 2 {
		if _, err := op.Machine.ServiceRestart(ctx, &machine.ServiceRequest{Id: "trustd"}); err != nil {
			t.Fatalf("ServiceRestart: %v", err)
		}
	}
	if got := serviceInfo(t, op, "trustd").GetRestarts(); got != before+2 {
		t.Errorf("restarts after 2 restarts = %d, want %d", got, before+2)
	}
}

// wantServiceReal fails unless the node reports service id Running with exactly its pid
// alive, or Stopped with none of its processes alive.
func wantServiceReal(t *testing.T, cl *client.Client, id string, marks []string) {
	t.Helper()
	var s *machine.ServiceInfo
	waitFor(t, id+" in a settled state", func() bool {
		s = serviceInfo(t, cl, id)
		return s.GetState() == "Running" || s.GetState() == "Stopped"
	})
	live := liveServiceProcs(t, marks...)
	switch {
	case s.GetState() == "Running" && (len(live) != 1 || live[0] != s.GetPid()):
		t.Errorf("%s reported Running as pid %d, live processes %v", id, s.GetPid(), live)
	case s.GetState() == "Stopped" && len(live) != 0:
		t.Errorf("%s reported Stopped, live processes %v", id, live)
	}
}
