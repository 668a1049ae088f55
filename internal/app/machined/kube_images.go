package machined

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/cairn-os/cairn/internal/pkg/ctrimage"
	"github.com/cairn-os/cairn/pkg/machinery/constants"
)

// importImages imports the OCI images the image carries (pause, CoreDNS, the test image)
// into containerd's CRI namespace once containerd serves, so that no pod needs a registry.
// containerd keeps them in /var: after a reboot they are imported again.
func (n *daemon) importImages(ctx context.Context) {
	tars, _ := filepath.Glob(filepath.Join(constants.ImagesDir, "*.tar"))
	if len(tars) == 0 {
		n.log.Warn("the image carries no OCI images to import", "dir", constants.ImagesDir)
		return
	}
	for !containerdServes(ctx) {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
	for _, t := range tars {
		refs, err := importImage(ctx, t)
		if err != nil {
			n.log.Error("image not imported into containerd", "file", t, "error", err)
			continue
		}
		n.log.Info("image imported into containerd", "file", t, "images", refs)
	}
}

func containerdServes(ctx context.Context) bool {
	c, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "unix", constants.ContainerdSocket)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}

// importImage imports one OCI tarball through ctr (its output bounded, killed when the
// import takes too long).
func importImage(ctx context.Context, file string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	c := ctrimage.Client{Path: constants.CtrPath, Socket: constants.ContainerdSocket, Namespace: constants.ContainerdNamespace}
	return c.Import(ctx, f)
}
