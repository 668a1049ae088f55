package machined

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

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

// errNoEtcd: the node runs no etcd, so there is no quorum to keep.
var errNoEtcd = errors.New("no etcd on this node")

// localEtcdQuorum checks the quorum through the node's own etcd, with the health-check client
// certificate; errNoEtcd when the node runs none.
func (n *daemon) localEtcdQuorum(ctx context.Context) (etcdquorum.Report, error) {
	running := false
	for _, s := range n.sup.List() {
		running = running || s.Name == "etcd"
	}
	if !running {
		return etcdquorum.Report{}, errNoEtcd
	}
	c, err := etcdClient()
	if err != nil {
		return etcdquorum.Report{}, err
	}
	defer c.CloseIdleConnections()
	return etcdquorum.Check(ctx, c, "https://127.0.0.1:2379")
}

func etcdClient() (*http.Client, error) {
	cert, err := tls.LoadX509KeyPair(filepath.Join(etcdPKI, "healthcheck-client.crt"), filepath.Join(etcdPKI, "healthcheck-client.key"))
	if err != nil {
		return nil, fmt.Errorf("etcd client certificate: %w", err)
	}
	ca, err := os.ReadFile(filepath.Join(etcdPKI, "ca.crt"))
	if err != nil {
		return nil, fmt.Errorf("etcd CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, errors.New("etcd CA: no certificate in ca.crt")
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, MinVersion: tls.VersionTLS12}, Proxy: nil}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}, nil
}
