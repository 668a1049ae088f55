package machined

import (
	"context"
	"errors"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

// TestUpgradeBounds: an image over the size limit, or one whose next chunk does not come in
// time, fails the call with its reason and ends the slot manager's read with a failure (never
// a clean end of a cut image), and frees the node's slot change.
func TestUpgradeBounds(t *testing.T) {
	tests := []struct {
		name   string
		bounds uploadBounds
		code   codes.Code
		msg    string
	}{
		{name: "too large", bounds: uploadBounds{maxBytes: 10, total: time.Minute, idle: time.Minute}, code: codes.InvalidArgument, msg: "the OS image exceeds the limit of 10 bytes (16 received)"},
		{name: "stalled", bounds: uploadBounds{maxBytes: 100, total: time.Minute, idle: 100 * time.Millisecond}, code: codes.DeadlineExceeded, msg: "no chunk of the OS image arrived for 100ms"},
		{name: "too long", bounds: uploadBounds{maxBytes: 100, total: 200 * time.Millisecond, idle: time.Minute}, code: codes.DeadlineExceeded, msg: "the upgrade took longer than 200ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			withBounds(t, tt.bounds)
			s := &standInSlots{ended: make(chan upgradeCall, 1)}
			c, n := serveSlots(t, s, ModeMetal)
			st := startUpgrade(context.Background(), t, c, false, make([]byte, 8), make([]byte, 8))
			err := st.RecvMsg(&machine.UpgradeResponse{}) // the caller keeps its side open
			wantStatus(t, "Upgrade", err, tt.code, tt.msg)
			if call := waitEnded(t, s); call.err == nil {
				t.Errorf("the slot manager read a clean image of %d bytes, want a failed read", call.bytes)
			}
			waitUntil(t, "the slot change to be free", func() bool { return !n.changingSlots.Load() })
		})
	}
}

// TestUpgradeCallerGoesAway: a caller that cancels mid-upload ends the slot manager's read
// (and its context) and frees the node's slot change.
func TestUpgradeCallerGoesAway(t *testing.T) {
	s := &standInSlots{ended: make(chan upgradeCall, 1), started: make(chan struct{})}
	c, n := serveSlots(t, s, ModeMetal)
	ctx, cancel := context.WithCancel(context.Background())
	startUpgrade(ctx, t, c, false, []byte("partial"))
	select { // cancelled before its first chunk, the call ends before the slot manager is called
	case <-s.started:
	case <-time.After(30 * time.Second):
		t.Fatal("the slot manager's Upgrade was not called")
	}
	cancel()
	if call := waitEnded(t, s); !errors.Is(call.err, context.Canceled) {
		t.Errorf("the slot manager's read ended with %v, want context.Canceled", call.err)
	}
	waitUntil(t, "the slot change to be free", func() bool { return !n.changingSlots.Load() })
}

// TestUpgradeOneAtATime: while an upgrade runs, a second upgrade and a rollback are refused.
func TestUpgradeOneAtATime(t *testing.T) {
	s := &standInSlots{ended: make(chan upgradeCall, 2)}
	c, n := serveSlots(t, s, ModeMetal)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	startUpgrade(ctx, t, c, false, []byte("first"))
	waitUntil(t, "the first upgrade to start", n.changingSlots.Load)
	_, err := startUpgrade(context.Background(), t, c, false, []byte("second")).CloseAndRecv()
	wantStatus(t, "a second Upgrade", err, codes.Unavailable, "an upgrade or rollback is already in progress on this node")
	_, err = c.Rollback(context.Background(), &common.Empty{})
	wantStatus(t, "Rollback during an upgrade", err, codes.Unavailable, "an upgrade or rollback is already in progress on this node")
	cancel()
	waitEnded(t, s)
	if len(s.ended) != 0 {
		t.Error("the refused upgrade reached the slot manager")
	}
}

// TestUpgradeErrorsKeepTheirClass: the slot manager's refusals reach the caller with their code.
func TestUpgradeErrorsKeepTheirClass(t *testing.T) {
	for code, err := range map[codes.Code]error{
		codes.InvalidArgument:    apierr.Invalid("image signed by key 0123, which is not in machine.upgrade.trustedKeys"),
		codes.FailedPrecondition: apierr.Precondition("slot a is bad: nothing to roll back to"),
	} {
		s := &standInSlots{ended: make(chan upgradeCall, 1), err: err}
		c, _ := serveSlots(t, s, ModeMetal)
		_, got := startUpgrade(context.Background(), t, c, false, []byte("image")).CloseAndRecv()
		wantStatus(t, "Upgrade", got, code, err.Error())
		_, got = c.Rollback(context.Background(), &common.Empty{})
		wantStatus(t, "Rollback", got, code, err.Error())
		v, got := c.Version(context.Background(), &common.Empty{})
		if got != nil || v.GetMessages()[0].GetSlotsError() != "read the disk slots: "+err.Error() {
			t.Errorf("Version with unreadable slots = %v, %v; want a reply saying why", v, got)
		}
	}
}
