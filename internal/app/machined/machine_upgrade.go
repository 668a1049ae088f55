package machined

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/constants"
)

// uploadBounds bound an upload: its size, the whole call and the longest wait for a chunk.
type uploadBounds struct {
	maxBytes    int64
	total, idle time.Duration
}

// upgradeBounds bound an upgrade (a variable only so that the tests can shrink it).
var upgradeBounds = uploadBounds{maxBytes: constants.MaxOSImageBytes, total: 30 * time.Minute, idle: time.Minute}

// rollbackTimeout bounds a rollback.
const rollbackTimeout = 5 * time.Minute

// Upgrade writes the signed OS image the caller streams to the inactive slot (the slot
// manager verifies it before it writes a byte), one upgrade or rollback at a time per node,
// bounded in size, duration and idle time (upgradeBounds). The image flows from the stream
// to the slot manager one chunk at a time; the call ends, and the write with it, when the
// caller goes away.
func (a *machineAPI) Upgrade(stream machine.MachineService_UpgradeServer) error {
	ctx, cancel := context.WithCancelCause(stream.Context())
	defer cancel(nil)
	b := upgradeBounds
	ctx, stop := context.WithTimeoutCause(ctx, b.total, fmt.Errorf("the upgrade took longer than %s: %w", b.total, context.DeadlineExceeded))
	defer stop()
	slots, release, err := a.n.beginSlotChange("upgraded")
	if err != nil {
		return err
	}
	defer release()
	src := &upgradeSource{stream: stream}
	r := (&chunkReader{max: b.maxBytes, idle: b.idle, what: "OS image", hint: "a Cairn OS image is smaller: check that this is one"}).start(ctx, cancel, src.recv)
	if err := r.next(); err != nil && !errors.Is(err, io.EOF) {
		return err // the first message (and its stage) did not come
	}
	res, err := slots.Upgrade(ctx, r, UpgradeOptions{Stage: src.stage, Force: src.force})
	if rerr := r.failure(); rerr != nil {
		return rerr // the upload's own failure says more than the slot manager's
	}
	if ctx.Err() != nil {
		return context.Cause(ctx) // the caller went away, or the upgrade took too long
	}
	if err != nil {
		return err // the slot manager's error keeps its class (apierr)
	}
	return stream.SendAndClose(&machine.UpgradeResponse{Messages: []*machine.Upgrade{{
		Metadata: a.n.md(), Version: res.Version, Slot: res.Slot, Signer: res.Signer,
		Generation: int64(res.Generation), Rebooting: res.Rebooting, Message: upgradeMessage(res), Bytes: uint64(r.total),
	}}})
}

// upgradeSource receives an upgrade's chunks and keeps the first message's stage and force
// flags. The
// reader's goroutine sets stage before it hands the first chunk (or the end) over, so it is
// set once the reader's first next returns.
type upgradeSource struct {
	stream machine.MachineService_UpgradeServer
	seen   bool
	stage  bool
	force  bool
}

func (s *upgradeSource) recv() ([]byte, error) {
	req, err := s.stream.Recv()
	if !s.seen {
		s.seen, s.stage, s.force = true, req.GetStage(), req.GetForce()
	}
	return req.GetChunk(), err
}

// Rollback makes the other slot boot next and reboots into it.
func (a *machineAPI) Rollback(ctx context.Context, _ *common.Empty) (*machine.RollbackResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, rollbackTimeout)
	defer cancel()
	slots, release, err := a.n.beginSlotChange("rolled back")
	if err != nil {
		return nil, err
	}
	defer release()
	s, err := slots.Rollback(ctx)
	if err != nil {
		return nil, err
	}
	msg := fmt.Sprintf("rolling back: the node reboots into slot %s (Cairn %s, %s)", s.Name, s.Version, s.Status)
	return &machine.RollbackResponse{Messages: []*machine.Rollback{{Metadata: a.n.md(), Slot: slotMessage(s), Message: msg}}}, nil
}

// beginSlotChange returns the node's slot manager and takes the node's one slot change; what
// ("upgraded", "rolled back") says what cannot be done in the refusals.
func (n *daemon) beginSlotChange(what string) (slotManager, func(), error) {
	if n.slots == nil {
		return nil, nil, n.noSlots(what)
	}
	if !n.changingSlots.CompareAndSwap(false, true) {
		return nil, nil, apierr.Unavailable("an upgrade or rollback is already in progress on this node: try again when it ends")
	}
	return n.slots, func() { n.changingSlots.Store(false) }, nil
}
