package kubecluster

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/netip"
	"slices"
	"testing"

	"github.com/cairn-os/cairn/internal/pkg/netconf"
)

func TestPodRoutes(t *testing.T) {
	nodes := map[string]json.RawMessage{
		"cp": json.RawMessage(`{"metadata":{"name":"cp"},"spec":{"podCIDR":"10.244.0.0/24"},"status":{"addresses":[{"type":"InternalIP","address":"10.5.0.2"}]}}`),
		"w1": json.RawMessage(`{"metadata":{"name":"w1"},"spec":{"podCIDR":"10.244.1.0/24","podCIDRs":["10.244.1.0/24","fd00:244:1::/64"]},
			"status":{"addresses":[{"type":"Hostname","address":"w1"},{"type":"ExternalIP","address":"198.51.100.1"},{"type":"InternalIP","address":"10.5.0.3"},{"type":"InternalIP","address":"fd00:5::3"}]}}`),
		"w2":    json.RawMessage(`{"metadata":{"name":"w2"},"spec":{"podCIDR":"10.244.2.0/24"},"status":{"addresses":[{"type":"Hostname","address":"w2"}]}}`),
		"w3":    json.RawMessage(`{"metadata":{"name":"w3"},"spec":{},"status":{"addresses":[{"type":"InternalIP","address":"10.5.0.5"}]}}`),
		"w4":    json.RawMessage(`{"metadata":{"name":"w4"},"spec":{"podCIDR":"10.244.4.1/24"},"status":{"addresses":[{"type":"InternalIP","address":"::ffff:10.5.0.6"}]}}`),
		"bad":   json.RawMessage(`{"metadata":"x"}`),
		"wrong": json.RawMessage(`{"metadata":{"name":"wrong"},"spec":{"podCIDR":"nope"},"status":{"addresses":[{"type":"InternalIP","address":"10.5.0.7"}]}}`),
	}
	got := PodRoutes(nodes, "cp", slog.New(slog.DiscardHandler))
	want := []string{"10.244.1.0/24 via 10.5.0.3", "10.244.4.0/24 via 10.5.0.6", "fd00:244:1::/64 via fd00:5::3"}
	var gotS []string
	for _, r := range got {
		gotS = append(gotS, r.String())
	}
	if !slices.Equal(gotS, want) {
		t.Errorf("PodRoutes = %q, want %q", gotS, want)
	}
	if got := PodRoutes(map[string]json.RawMessage{"cp": nodes["cp"]}, "cp", slog.New(slog.DiscardHandler)); got == nil || len(got) != 0 {
		t.Errorf("PodRoutes of self only = %#v, want an empty, non-nil set (remove every route)", got)
	}
}

// applyRoutes skips a set it already applied and applies a set again after a failure.
func TestApplyRoutes(t *testing.T) {
	a := []netconf.Route{{Dst: netip.MustParsePrefix("10.244.1.0/24"), Via: netip.MustParseAddr("10.5.0.3")}}
	b := []netconf.Route{}
	views, calls := make(chan []netconf.Route), make(chan int, 10)
	fail := errors.New("netlink says no")
	n := 0
	apply := func(rs []netconf.Route) error {
		n++
		calls <- len(rs)
		if n == 2 {
			return fail
		}
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- applyRoutes(ctx, views, apply, slog.New(slog.DiscardHandler)) }()
	for _, v := range [][]netconf.Route{a, a, b, b, b} {
		views <- v
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("applyRoutes = %v, want context.Canceled", err)
	}
	close(calls)
	var got []int
	for c := range calls {
		got = append(got, c)
	}
	// a applied; a again skipped; b failed; b retried and applied; b again skipped.
	if want := []int{1, 0, 0}; !slices.Equal(got, want) {
		t.Errorf("apply calls (route counts) = %v, want %v", got, want)
	}
}
