package machined

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"time"

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
		if err := importImage(ctx, t); err != nil {
			n.log.Error("image not imported into containerd", "file", t, "error", err)
			continue
		}
		n.log.Info("image imported into containerd", "file", t)
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

// importImage runs containerd's client on one OCI tarball, bounded in time.
func importImage(ctx context.Context, file string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, constants.CtrPath, "--address", constants.ContainerdSocket, //nolint:gosec // fixed program and arguments
		"--namespace", constants.ContainerdNamespace, "images", "import", file)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return &os.PathError{Op: "ctr images import: " + string(out), Path: file, Err: err}
	}
	return nil
}
