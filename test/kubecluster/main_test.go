// Package kubecluster tests Cairn's Kubernetes API client and cluster controllers against a
// real etcd and kube-apiserver, run as processes on loopback from the binaries the image
// builder put in the cache (_cache/external). Certificates come from kubepki.Render.
//
// The binaries exist once the image has been built (make image, or the README's first
// command). Without them the tests skip, except under CI (CI set), which builds the image
// first: there they fail.
package kubecluster

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/cairn-os/cairn/internal/pkg/kubeapi"
)

// cluster is the etcd and kube-apiserver every test shares.
var (
	clusterOnce sync.Once
	shared      *controlPlane
	sharedErr   error
)

// needCluster returns the shared control plane, starting it on first use.
func needCluster(t *testing.T) *controlPlane {
	t.Helper()
	clusterOnce.Do(func() {
		bins, err := findBinaries()
		if err != nil {
			sharedErr = err
			return
		}
		shared, sharedErr = startControlPlane(context.Background(), bins)
	})
	if sharedErr == nil {
		return shared
	}
	var missing *missingError
	if asMissing(sharedErr, &missing) && os.Getenv("CI") == "" {
		t.Skipf("%v (build the image first: make image)", sharedErr)
	}
	t.Fatalf("control plane: %v", sharedErr)
	return nil
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		if code != 0 {
			shared.dumpLogs(os.Stderr)
		}
		shared.stop()
	}
	os.Exit(code)
}

// client returns a client for the kubeconfig at path in the control plane's directory.
func (cp *controlPlane) client(t *testing.T, conf string) *kubeapi.Client {
	t.Helper()
	cfg, err := kubeapi.LoadKubeconfig(cp.path(conf))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Server = cp.server
	c, err := kubeapi.New(cfg)
	if err != nil {
		t.Fatalf("kubeapi.New(%s): %v", conf, err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}
