package machined

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/cosi-project/runtime/pkg/state"

	"github.com/cairn-os/cairn/internal/controllers/kubeservice"
	"github.com/cairn-os/cairn/internal/pkg/etcdops"
	"github.com/cairn-os/cairn/internal/pkg/supervisor"
	"github.com/cairn-os/cairn/pkg/machinery/resources"
)

// etcdLeftFile, in etcd's data directory, records that the node's member left its cluster
// (cairnctl etcd leave): the node refuses to bootstrap a cluster of its own until it is reset.
const etcdLeftFile = "left"

// errEtcdLeft: the node's etcd member left its cluster.
var errEtcdLeft = errors.New("this node's etcd member left its cluster (cairnctl etcd leave)")

// etcdGone is how long a departed member's data waits for etcd to stop before it goes anyway.
const etcdGone = 2 * time.Minute

// markEtcdLeft records in dataDir that member r left.
func markEtcdLeft(dataDir string, r etcdops.Removal) error {
	data := fmt.Appendf(nil, "member %s (%s) left its cluster at %s\n", r.Member.IDString(), r.Member.Name, time.Now().UTC().Format(time.RFC3339))
	return os.WriteFile(filepath.Join(dataDir, etcdLeftFile), data, 0o600)
}

// etcdLeft returns the record markEtcdLeft wrote in dataDir, if there is one.
func etcdLeft(dataDir string) (string, bool) {
	data, err := os.ReadFile(filepath.Join(dataDir, etcdLeftFile))
	return string(data), err == nil
}

// dropEtcdMember removes a departed member's data from dataDir (the directory itself stays,
// with its owner and mode), and the record of its leaving with it when record is set.
func dropEtcdMember(dataDir string, record bool) error {
	err := os.RemoveAll(filepath.Join(dataDir, "member"))
	if record {
		if rerr := os.Remove(filepath.Join(dataDir, etcdLeftFile)); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			err = errors.Join(err, rerr)
		}
	}
	return err
}

// afterEtcdLeave is what follows a member's leaving: etcd on this node would only restart
// into a member its cluster no longer knows (and, on a disk, do so at every boot), so the node
// records the leave, stops being a bootstrapped control plane (its control-plane services go
// away) and, once etcd has stopped, removes the member's data.
func (n *daemon) afterEtcdLeave(r etcdops.Removal) {
	if err := markEtcdLeft(kubeservice.EtcdDataDir, r); err != nil {
		n.log.Error("etcd leave not recorded", "error", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), etcdGone)
	if err := n.st.Destroy(ctx, resources.NewBootstrap().Metadata()); err != nil && !state.IsNotFoundError(err) {
		n.log.Error("the control plane's services not stopped after etcd leave", "error", err)
	}
	n.events.publish(KindLifecycle, "etcd leave: member "+r.Member.IDString()+" left; etcd and the control plane stop on this node")
	go func() {
		defer cancel()
		if !n.waitEtcdStopped(ctx) {
			n.log.Warn("etcd still runs after leaving; its member's data goes anyway")
		}
		if err := dropEtcdMember(kubeservice.EtcdDataDir, false); err != nil {
			n.log.Error("the departed etcd member's data not removed", "error", err)
		}
	}()
}

// waitEtcdStopped waits until the node has no running etcd service, checking every second; it
// reports false when ctx ended first.
func (n *daemon) waitEtcdStopped(ctx context.Context) bool {
	for {
		if st, ok := n.serviceState("etcd"); !ok || st == supervisor.StateStopped {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(time.Second):
		}
	}
}
