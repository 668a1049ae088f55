package machined

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cairn-os/cairn/internal/controllers/kubeservice"
	"github.com/cairn-os/cairn/internal/pkg/kmod"
	"github.com/cairn-os/cairn/internal/pkg/sysctl"
)

// kubeModulesList names the kernel modules Kubernetes needs (bridge, br_netfilter, veth,
// the nftables expressions kube-proxy uses): the node has no modprobe, so the kernel cannot
// load them on demand.
const kubeModulesList = "/etc/modules-load.d/kubernetes.conf"

// prepareKube readies the kernel (once) and writes the Kubernetes files of a plan.
func (n *daemon) prepareKube(files []kubeservice.File) error {
	n.kubeKernel.Do(func() { n.kubeKernelErr = n.kubeKernelSetup() })
	if n.kubeKernelErr != nil {
		return n.kubeKernelErr
	}
	n.kubeImports.Do(func() {
		go n.importImages(context.Background())
		n.startKubeOps(context.Background())
	})
	return writeKubeFiles(files)
}

func (n *daemon) kubeKernelSetup() error {
	rel, err := kmod.Release()
	if err != nil {
		return err
	}
	names, err := kmod.ReadLoadList(kubeModulesList)
	if err != nil {
		return fmt.Errorf("kernel modules for Kubernetes: %w", err)
	}
	count, err := kmod.LoadNames(n.log, filepath.Join("/lib/modules", rel), names...)
	if err != nil {
		return fmt.Errorf("load the kernel modules for Kubernetes: %w", err)
	}
	n.log.Info("kernel modules for Kubernetes loaded", "count", count)
	for _, kv := range sysctl.Kubernetes {
		if err := sysctl.Set(kv.Name, kv.Value); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("sysctl %s=%s: %w", kv.Name, kv.Value, err)
		}
	}
	return nil
}
