package machined

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/internal/pkg/etcdops"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/etcd"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

// Time bounds of the etcd calls; etcdops bounds each request to etcd within them.
const (
	etcdCallTimeout = 30 * time.Second
	// snapshotLimit bounds a whole snapshot (etcd's largest quota, 8 GiB, at 10 MB/s takes 14
	// minutes); snapshotIdle ends one whose stream from etcd stops moving.
	snapshotLimit = time.Hour
	snapshotIdle  = 30 * time.Second
)

// localEtcd is the client URL of the node's own member (etcd listens on loopback too).
const localEtcd = "https://127.0.0.1:2379"

// errNoEtcd: the node runs no etcd (a worker, or a control plane not bootstrapped yet).
var errNoEtcd = errors.New("this node runs no etcd")

// etcdAPI serves cairn.etcd.EtcdService through the node's etcd. The apid in front of machined
// authorizes and audits every call.
type etcdAPI struct {
	etcd.UnimplementedEtcdServiceServer
	log *slog.Logger
	md  func() *common.Metadata
	// open returns a client for the node's etcd, or errNoEtcd.
	open func() (*etcdops.Client, error)
	// left, when set, is called once the node's member has left its cluster.
	left func(etcdops.Removal)
	// snapshot is held by the snapshot in progress: each one makes etcd read its whole
	// database, so a second caller waits its turn instead of multiplying that work.
	snapshot sync.Mutex
}

func newEtcdAPI(n *daemon) *etcdAPI {
	return &etcdAPI{log: n.log.With("component", "etcd-api"), md: n.md, open: n.localEtcd, left: n.afterEtcdLeave}
}

// localEtcd opens a client for the node's etcd with the health-check client certificate.
func (n *daemon) localEtcd() (*etcdops.Client, error) {
	if !n.runsEtcd() {
		return nil, errNoEtcd
	}
	return etcdops.NewClient(etcdPKI, localEtcd)
}

// runsEtcd says whether etcd is among the node's services.
func (n *daemon) runsEtcd() bool {
	_, ok := n.serviceState("etcd")
	return ok
}

// with runs fn with a client for the node's etcd, within timeout.
func (a *etcdAPI) with(ctx context.Context, timeout time.Duration, fn func(context.Context, *etcdops.Client) error) error {
	c, err := a.open()
	if err != nil {
		return etcdErr(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return etcdErr(fn(ctx, c))
}

// etcdErr classifies etcdops' errors for the API edge; the rest means etcd could not be
// reached or understood.
func etcdErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errNoEtcd):
		return apierr.Precondition("%v: target a bootstrapped control-plane node (--nodes)", err)
	case errors.Is(err, etcdops.ErrInvalid):
		return apierr.Invalid("%v", err)
	case errors.Is(err, etcdops.ErrNotFound):
		return apierr.NotFound("%v", err)
	case errors.Is(err, etcdops.ErrRefused):
		return apierr.Precondition("%v", err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return apierr.Unavailable("%v", err)
}

func (a *etcdAPI) action(msg string) *machine.ActionResponse {
	return &machine.ActionResponse{Messages: []*machine.Action{{Metadata: a.md(), Message: msg}}}
}

func apiMember(m etcdops.Member) *etcd.Member {
	return &etcd.Member{Id: m.IDString(), Name: m.Name, PeerUrls: m.PeerURLs, ClientUrls: m.ClientURLs, Learner: m.Learner}
}

// Members lists the members as the node's member knows them.
func (a *etcdAPI) Members(ctx context.Context, _ *common.Empty) (*etcd.MembersResponse, error) {
	out := &etcd.Members{Metadata: a.md()}
	err := a.with(ctx, etcdCallTimeout, func(ctx context.Context, c *etcdops.Client) error {
		self, members, err := c.Members(ctx, false)
		out.Self = etcdops.FormatID(self)
		for _, m := range members {
			out.Members = append(out.Members, apiMember(m))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &etcd.MembersResponse{Messages: []*etcd.Members{out}}, nil
}

// Status asks every member for its status.
func (a *etcdAPI) Status(ctx context.Context, _ *common.Empty) (*etcd.StatusResponse, error) {
	out := &etcd.Status{Metadata: a.md()}
	err := a.with(ctx, etcdCallTimeout, func(ctx context.Context, c *etcdops.Client) error {
		self, members, err := c.Members(ctx, false)
		if err != nil {
			return err
		}
		out.Self = etcdops.FormatID(self)
		for _, s := range c.Status(ctx, members) {
			out.Members = append(out.Members, apiStatus(s))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &etcd.StatusResponse{Messages: []*etcd.Status{out}}, nil
}

func apiStatus(s etcdops.Status) *etcd.MemberStatus {
	out := &etcd.MemberStatus{Member: apiMember(s.Member), Endpoint: s.Endpoint}
	if s.Err != nil {
		out.Error = s.Err.Error()
		return out
	}
	out.Leader, out.RaftIndex, out.RaftTerm, out.RaftAppliedIndex = s.Leader, s.RaftIndex, s.RaftTerm, s.RaftAppliedIndex
	if s.LeaderID != 0 {
		out.LeaderId = etcdops.FormatID(s.LeaderID)
	}
	out.DbSize, out.DbSizeInUse, out.Version, out.StorageVersion, out.Errors = s.DBSize, s.DBSizeInUse, s.Version, s.StorageVersion, s.Errors
	return out
}
