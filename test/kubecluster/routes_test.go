package kubecluster

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cairn-os/cairn/internal/controllers/kubecluster"
	"github.com/cairn-os/cairn/internal/pkg/netconf"
)

// SyncPodRoutes yields a route to every other node's pod CIDR via its InternalIP, and follows
// nodes coming and going.
func TestSyncPodRoutes(t *testing.T) {
	admin := adminClient(t)
	createNode(t, admin, "r-a", "10.244.1.0/24", "10.5.1.1")
	createNode(t, admin, "r-b", "10.244.2.0/24", "10.5.1.2")
	createNode(t, admin, "r-c", "10.244.3.0/24", "10.5.1.3")
	sets := make(chan string, 100)
	apply := func(rs []netconf.Route) error {
		var s []string
		for _, r := range rs {
			s = append(s, r.String())
		}
		sets <- strings.Join(s, ", ")
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = kubecluster.SyncPodRoutes(ctx, admin, "r-a", apply, slog.New(slog.DiscardHandler)) }()
	waitRoutes(t, sets, "10.244.2.0/24 via 10.5.1.2, 10.244.3.0/24 via 10.5.1.3")
	if err := admin.Delete(ctxFor(t), "/api/v1/nodes/r-c"); err != nil {
		t.Fatal(err)
	}
	waitRoutes(t, sets, "10.244.2.0/24 via 10.5.1.2")
	createNode(t, admin, "r-d", "10.244.4.0/24", "10.5.1.4")
	waitRoutes(t, sets, "10.244.2.0/24 via 10.5.1.2, 10.244.4.0/24 via 10.5.1.4")
}

// waitRoutes waits up to 30s for apply to be called with want.
func waitRoutes(t *testing.T, sets chan string, want string) {
	t.Helper()
	var seen []string
	timeout := time.After(30 * time.Second)
	for {
		select {
		case got := <-sets:
			if got == want {
				return
			}
			seen = append(seen, got)
		case <-timeout:
			t.Fatalf("apply never called with %q within 30s; calls: %q", want, slices.Compact(seen))
		}
	}
}
