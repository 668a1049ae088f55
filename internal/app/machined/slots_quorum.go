package machined

import (
	"context"
	"errors"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/internal/controllers/kubeservice"
	"github.com/cairn-os/cairn/internal/pkg/etcdquorum"
)

// etcdPKI is where kubepki writes etcd's CA and the health-check client certificate.
const etcdPKI = kubeservice.EtcdPKIDir

// checkQuorum refuses an upgrade of a node running etcd when the other members alone are no
// quorum (the reboot would stop the cluster's etcd), unless force.
func (d *diskSlots) checkQuorum(ctx context.Context, force bool) error {
	if d.etcdQuorum == nil {
		return nil
	}
	r, err := d.etcdQuorum(ctx)
	switch {
	case errors.Is(err, errNoEtcd):
		return nil
	case err != nil && !force:
		return apierr.Precondition("upgrade refused, nothing was written: this node runs etcd and its quorum could not be checked (%v); --force upgrades anyway", err)
	case err == nil && !r.Keeps() && !force:
		return apierr.Precondition("upgrade refused, nothing was written: %s, so etcd would stop serving while this node reboots; --force upgrades anyway (on a one-node control plane the cluster's API is down during the reboot)", r)
	case err == nil:
		d.log.Info("etcd quorum checked before the upgrade", "report", r.String(), "keeps", r.Keeps(), "force", force)
	}
	return nil
}

// localEtcdQuorum checks the quorum through the node's own etcd, with the health-check client
// certificate; errNoEtcd when the node runs none.
func (n *daemon) localEtcdQuorum(ctx context.Context) (etcdquorum.Report, error) {
	c, err := n.localEtcd()
	if err != nil {
		return etcdquorum.Report{}, err
	}
	defer c.Close()
	return etcdquorum.Check(ctx, c)
}
