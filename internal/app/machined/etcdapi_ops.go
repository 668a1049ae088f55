package machined

import (
	"context"
	"crypto/sha256"
	"fmt"
	"hash"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/internal/pkg/etcdops"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/etcd"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

// Leave removes the node's own member, when the rest keeps quorum.
func (a *etcdAPI) Leave(ctx context.Context, _ *common.Empty) (*machine.ActionResponse, error) {
	var r etcdops.Removal
	err := a.with(ctx, etcdCallTimeout, func(ctx context.Context, c *etcdops.Client) (err error) {
		r, err = c.Leave(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	a.log.Info("etcd member left the cluster", "member", r.Member.IDString(), "name", r.Member.Name, "remaining", len(r.Remaining))
	if a.left != nil {
		a.left(r)
	}
	return a.action(fmt.Sprintf("etcd member %s (%s) left the cluster; %d member(s) remain; etcd and the control plane stop on this node and the member's data is removed: reset the node before it serves as a control plane again", r.Member.IDString(), r.Member.Name, len(r.Remaining))), nil
}

// RemoveMember removes another member by ID, when the rest keeps quorum.
func (a *etcdAPI) RemoveMember(ctx context.Context, req *etcd.RemoveMemberRequest) (*machine.ActionResponse, error) {
	id, err := etcdops.ParseID(req.GetId())
	if err != nil {
		return nil, etcdErr(fmt.Errorf("id: %w", err))
	}
	var r etcdops.Removal
	err = a.with(ctx, etcdCallTimeout, func(ctx context.Context, c *etcdops.Client) (err error) {
		r, err = c.RemoveMember(ctx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	a.log.Info("etcd member removed", "member", r.Member.IDString(), "name", r.Member.Name, "remaining", len(r.Remaining))
	return a.action(fmt.Sprintf("etcd member %s (%s) removed; %d member(s) remain", r.Member.IDString(), r.Member.Name, len(r.Remaining))), nil
}

// Defrag defragments the node's member.
func (a *etcdAPI) Defrag(ctx context.Context, _ *common.Empty) (*machine.ActionResponse, error) {
	err := a.with(ctx, etcdops.DefragTimeout+etcdCallTimeout, func(ctx context.Context, c *etcdops.Client) error {
		return c.Defrag(ctx)
	})
	if err != nil {
		return nil, err
	}
	return a.action("etcd member defragmented"), nil
}

// AlarmList lists the active alarms.
func (a *etcdAPI) AlarmList(ctx context.Context, _ *common.Empty) (*etcd.AlarmResponse, error) {
	return a.alarms(ctx, (*etcdops.Client).Alarms)
}

// AlarmDisarm deactivates the active alarms.
func (a *etcdAPI) AlarmDisarm(ctx context.Context, _ *common.Empty) (*etcd.AlarmResponse, error) {
	return a.alarms(ctx, (*etcdops.Client).Disarm)
}

func (a *etcdAPI) alarms(ctx context.Context, fn func(*etcdops.Client, context.Context) ([]etcdops.Alarm, error)) (*etcd.AlarmResponse, error) {
	out := &etcd.Alarms{Metadata: a.md()}
	err := a.with(ctx, etcdCallTimeout, func(ctx context.Context, c *etcdops.Client) error {
		alarms, err := fn(c, ctx)
		for _, al := range alarms {
			out.Alarms = append(out.Alarms, &etcd.Alarm{MemberId: etcdops.FormatID(al.MemberID), Alarm: al.Alarm})
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &etcd.AlarmResponse{Messages: []*etcd.Alarms{out}}, nil
}

// snapshotChunk is the data a snapshot message carries at most (well below gRPC's limits).
const snapshotChunk = 512 << 10

// Snapshot streams the node's member's snapshot in chunks, then the size and sha256 of all of
// it; when etcd's stream breaks off or its checksum fails, the call fails without that last
// message.
func (a *etcdAPI) Snapshot(_ *common.Empty, ss etcd.EtcdService_SnapshotServer) error {
	if !a.snapshot.TryLock() {
		return apierr.Unavailable("another etcd snapshot is being taken on this node: call again once it is done")
	}
	defer a.snapshot.Unlock()
	w := &chunkSender{send: ss.Send, md: a.md(), h: sha256.New()}
	err := a.with(ss.Context(), snapshotLimit, func(ctx context.Context, c *etcdops.Client) error {
		if _, err := c.Snapshot(ctx, w, snapshotIdle); err != nil {
			return err
		}
		return w.flush()
	})
	if err != nil {
		return err
	}
	a.log.Info("etcd snapshot sent", "bytes", w.n)
	return ss.Send(&etcd.SnapshotChunk{Metadata: w.md, Size: uint64(w.n), Sha256: w.h.Sum(nil)})
}

// chunkSender collects written bytes into messages of snapshotChunk bytes and hashes them.
type chunkSender struct {
	send func(*etcd.SnapshotChunk) error
	md   *common.Metadata
	h    hash.Hash
	buf  []byte
	n    int64
}

func (w *chunkSender) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), snapshotChunk-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		p = p[k:]
		if len(w.buf) == snapshotChunk {
			if err := w.flush(); err != nil {
				return n - len(p), err
			}
		}
	}
	return n, nil
}

// flush sends what is buffered.
func (w *chunkSender) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	w.h.Write(w.buf)
	w.n += int64(len(w.buf))
	err := w.send(&etcd.SnapshotChunk{Metadata: w.md, Data: w.buf})
	w.buf = make([]byte, 0, snapshotChunk)
	return err
}
