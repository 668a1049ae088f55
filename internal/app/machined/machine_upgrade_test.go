package machined

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

// standInSlots stands in for the disk slot manager in the tests of the handlers: Upgrade reads
// the image to its end (or its failure) as the real one does, records how it was called and
// how the read ended, then answers err.
type standInSlots struct {
	err    error
	list   []SlotInfo
	ended  chan upgradeCall
	rolled SlotInfo
	// started, when set, is closed as the slot manager's Upgrade is called.
	started chan struct{}
}

type upgradeCall struct {
	stage bool
	bytes int64
	err   error
}

func (s *standInSlots) Upgrade(ctx context.Context, image io.Reader, o UpgradeOptions) (UpgradeResult, error) {
	stage := o.Stage
	if s.started != nil {
		close(s.started)
	}
	n, err := io.Copy(io.Discard, image)
	if err == nil {
		err = ctx.Err()
	}
	s.ended <- upgradeCall{stage: stage, bytes: n, err: err}
	if err != nil {
		return UpgradeResult{}, err
	}
	return UpgradeResult{Version: "v2", Slot: "b", Signer: "0123456789abcdef0123", Generation: 3, Rebooting: !stage}, s.err
}

func (s *standInSlots) Rollback(context.Context) (SlotInfo, error) { return s.rolled, s.err }

func (s *standInSlots) Slots() ([]SlotInfo, error) { return s.list, s.err }

// serveSlots serves a MachineService whose node has slots (nil: none) in mode.
func serveSlots(t *testing.T, slots slotManager, mode string) (machine.MachineServiceClient, *daemon) {
	t.Helper()
	n := &daemon{log: slog.New(slog.DiscardHandler), slots: slots, defaultHostname: "node-t", opts: Options{Mode: mode}}
	return serveMachine(t, n), n
}

// withBounds shrinks the upgrade's bounds for one test.
func withBounds(t *testing.T, b uploadBounds) {
	t.Helper()
	old := upgradeBounds
	upgradeBounds = b
	t.Cleanup(func() { upgradeBounds = old })
}

// startUpgrade opens an Upgrade and sends chunks, the first with stage.
func startUpgrade(ctx context.Context, t *testing.T, c machine.MachineServiceClient, stage bool, chunks ...[]byte) machine.MachineService_UpgradeClient {
	t.Helper()
	st, err := c.Upgrade(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, ch := range chunks {
		if err := st.Send(&machine.UpgradeRequest{Stage: stage && i == 0, Chunk: ch}); err != nil && !errors.Is(err, io.EOF) {
			t.Fatal(err) // io.EOF: the node answered already; the receive says how
		}
	}
	return st
}

func waitEnded(t *testing.T, s *standInSlots) upgradeCall {
	t.Helper()
	select {
	case c := <-s.ended:
		return c
	case <-time.After(30 * time.Second): // a hang guard, not a timing assertion
		t.Fatal("the slot manager's Upgrade did not end")
	}
	return upgradeCall{}
}

// TestUpgradeRoundTrip: the chunks reach the slot manager whole, the first message's stage
// (and only its) is passed on, and the reply says what happened.
func TestUpgradeRoundTrip(t *testing.T) {
	for _, stage := range []bool{false, true} {
		s := &standInSlots{ended: make(chan upgradeCall, 1)}
		c, n := serveSlots(t, s, ModeMetal)
		st := startUpgrade(context.Background(), t, c, stage, make([]byte, 1000), make([]byte, 1000))
		if err := st.Send(&machine.UpgradeRequest{Stage: !stage, Chunk: make([]byte, 1000)}); err != nil {
			t.Fatal(err)
		}
		resp, err := st.CloseAndRecv()
		if err != nil {
			t.Fatalf("Upgrade(stage %v): %v", stage, err)
		}
		call := <-s.ended
		m := resp.GetMessages()[0]
		if call.stage != stage || call.bytes != 3000 || m.GetBytes() != 3000 || m.GetSlot() != "b" || m.GetRebooting() == stage || m.GetGeneration() != 3 {
			t.Errorf("Upgrade(stage %v): the slot manager saw %+v; reply %v", stage, call, m)
		}
		want := map[bool]string{false: "the node reboots into it now, on trial", true: "staged on trial: the node keeps running its current slot"}[stage]
		wantContains(t, "Upgrade's message", m.GetMessage(), want, "Cairn v2, signed by key 0123456789abcdef, is written to slot b", "by itself")
		if n.changingSlots.Load() {
			t.Error("the upgrade did not free the node's slot change")
		}
	}
}

// TestUpgradeWithoutSlots: a node without disk slots refuses Upgrade and Rollback at once,
// saying why (the reason found at boot, else its mode's), and its Version says why it lists none.
func TestUpgradeWithoutSlots(t *testing.T) {
	tests := []struct{ mode, absent, why, next string }{
		{ModeContainer, "", "(container mode)", ": a container node runs the host's cairn binary"},
		{ModeMetal, "", "(the root is in RAM: it booted from PXE, a direct kernel boot or the ISO)", ": boot it from a disk holding a Cairn raw image (cairnctl image build --format raw) first"},
		{ModeMetal, "the EFI system partition is not readable", "(the EFI system partition is not readable)", "; nothing was changed"},
	}
	for _, tt := range tests {
		c, n := serveSlots(t, nil, tt.mode)
		n.slotsAbsent = tt.absent
		st := startUpgrade(context.Background(), t, c, false, []byte("x"))
		_, err := st.CloseAndRecv()
		wantStatus(t, "Upgrade in "+tt.mode+" mode", err, codes.FailedPrecondition, "this node has no disk slots "+tt.why+", so it cannot be upgraded in place"+tt.next)
		_, err = c.Rollback(context.Background(), &common.Empty{})
		wantStatus(t, "Rollback in "+tt.mode+" mode", err, codes.FailedPrecondition, "this node has no disk slots "+tt.why+", so it cannot be rolled back in place")
		v, err := c.Version(context.Background(), &common.Empty{})
		m := v.GetMessages()[0]
		if err != nil || len(m.GetSlots()) != 0 || m.GetSlotsError() != "" || "("+m.GetNoSlots()+")" != tt.why {
			t.Errorf("Version in %s mode = %v, %v; want no slots because %s", tt.mode, v, err, tt.why)
		}
	}
}

func wantContains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s = %q, want it to contain %q", what, got, w)
		}
	}
}

// TestRollbackAndVersion: Rollback names the slot the node boots next; Version lists both.
func TestRollbackAndVersion(t *testing.T) {
	a := SlotInfo{Name: "a", Version: "v1", Status: "good", Generation: 1}
	b := SlotInfo{Name: "b", Version: "v2", Status: "trial", Generation: 2, Active: true}
	c, _ := serveSlots(t, &standInSlots{rolled: a, list: []SlotInfo{a, b}}, ModeMetal)
	resp, err := c.Rollback(context.Background(), &common.Empty{})
	if err != nil {
		t.Fatalf("Rollback: %v", err)
	}
	m := resp.GetMessages()[0]
	if m.GetSlot().GetName() != "a" || m.GetMessage() != "rolling back: the node reboots into slot a (Cairn v1, good)" {
		t.Errorf("Rollback = %v", m)
	}
	v, err := c.Version(context.Background(), &common.Empty{})
	if err != nil {
		t.Fatalf("Version: %v", err)
	}
	got := v.GetMessages()[0].GetSlots()
	if len(got) != 2 || got[0].GetStatus() != "good" || got[1].GetVersion() != "v2" || !got[1].GetActive() || got[1].GetGeneration() != 2 {
		t.Errorf("Version's slots = %v, want a (v1 good) and b (v2 trial, active)", got)
	}
}
