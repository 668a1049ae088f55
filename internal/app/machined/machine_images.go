package machined

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/internal/pkg/ctrimage"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/constants"
)

// Bounds of an image import: its size, its whole duration and the longest wait for a chunk.
const (
	maxImageBytes      = constants.MaxImageImportBytes
	imageImportTimeout = 30 * time.Minute
	imageChunkIdle     = time.Minute
	imageListTimeout   = time.Minute
)

// imageStore is containerd's image store as machined uses it (ctrimage.Client; a stand-in in
// the handlers' unit tests).
type imageStore interface {
	Check(ctx context.Context) error
	Import(ctx context.Context, r io.Reader) ([]string, error)
	List(ctx context.Context) ([]ctrimage.Image, error)
}

// imageStore returns the node's containerd image store, or FailedPrecondition when containerd
// does not run: never in container mode, whose host's containerd (if any) is not the node's.
func (n *daemon) imageStore(ctx context.Context) (imageStore, error) {
	s := n.images
	if s == nil {
		if n.opts.Mode == ModeContainer {
			return nil, apierr.Precondition("%v (container mode runs no Kubernetes)", ctrimage.ErrNotRunning)
		}
		s = ctrimage.Client{Path: constants.CtrPath, Socket: constants.ContainerdSocket, Namespace: constants.ContainerdNamespace}
	}
	if err := s.Check(ctx); err != nil {
		return nil, apierr.Precondition("%v", err)
	}
	return s, nil
}

// ImageList lists the images of containerd's Kubernetes namespace.
func (a *machineAPI) ImageList(ctx context.Context, _ *common.Empty) (*machine.ImageListResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, imageListTimeout)
	defer cancel()
	s, err := a.n.imageStore(ctx)
	if err != nil {
		return nil, err
	}
	imgs, err := s.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list images: %w", err)
	}
	out := &machine.ImageList{Metadata: a.n.md()}
	for _, i := range imgs {
		out.Images = append(out.Images, &machine.Image{Name: i.Name, Digest: i.Digest, Size: i.Size, Platforms: i.Platforms})
	}
	return &machine.ImageListResponse{Messages: []*machine.ImageList{out}}, nil
}

// ImageImport streams an image tarball into containerd, one import at a time per node,
// bounded in size (maxImageBytes), duration and idle time; it ends, and ctr with it, when the
// caller goes away.
func (a *machineAPI) ImageImport(stream machine.MachineService_ImageImportServer) error {
	ctx, cancel := context.WithCancelCause(stream.Context())
	defer cancel(nil)
	ctx, stop := context.WithTimeoutCause(ctx, imageImportTimeout, fmt.Errorf("the import took longer than %s: %w", imageImportTimeout, context.DeadlineExceeded))
	defer stop()
	s, err := a.n.imageStore(ctx)
	if err != nil {
		return err
	}
	if !a.n.importing.CompareAndSwap(false, true) {
		return apierr.Unavailable("another image import is in progress on this node: try again when it ends")
	}
	defer a.n.importing.Store(false)
	r := newChunkReader(ctx, cancel, stream, maxImageBytes, imageChunkIdle)
	imgs, err := s.Import(ctx, r)
	if rerr := r.failure(); rerr != nil {
		return rerr // the upload's own failure says more than ctr's
	}
	if ctx.Err() != nil {
		return context.Cause(ctx) // the caller went away, or the import took too long
	}
	if err != nil {
		return apierr.Invalid("containerd did not import the tarball: %v", err)
	}
	if len(imgs) == 0 {
		return apierr.Invalid("the tarball (%d bytes) held no named image for this node's platform: save it with a name (docker save NAME:TAG; an OCI layout needs org.opencontainers.image.ref.name annotations)", r.total)
	}
	return stream.SendAndClose(&machine.ImageImportResponse{Messages: []*machine.ImageImport{{Metadata: a.n.md(), Bytes: uint64(r.total), Images: imgs}}})
}
