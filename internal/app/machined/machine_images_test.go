package machined

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/internal/pkg/ctrimage"
	"github.com/cairn-os/cairn/internal/pkg/grpcsock"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

// standInStore stands in for ctr in the tests of the handlers: it reads the upload as ctr
// would, and records how its import ended.
type standInStore struct {
	down     bool
	received atomic.Int64
	ended    chan error
}

func (s *standInStore) Check(context.Context) error {
	if s.down {
		return ctrimage.ErrNotRunning
	}
	return nil
}

func (s *standInStore) Import(ctx context.Context, r io.Reader) ([]string, error) {
	n, err := io.Copy(io.Discard, r)
	s.received.Store(n)
	if err == nil {
		err = ctx.Err()
	}
	s.ended <- err
	if err != nil {
		return nil, err
	}
	return []string{"localhost/x:1@sha256:" + strings.Repeat("0", 64)}, nil
}

func (s *standInStore) List(context.Context) ([]ctrimage.Image, error) {
	return []ctrimage.Image{{Name: "localhost/x:1", Digest: "sha256:0", Size: 10}}, nil
}

// serveImages serves machined's MachineService with store (see serveMachine).
func serveImages(t *testing.T, store imageStore) (machine.MachineServiceClient, *daemon) {
	t.Helper()
	n := &daemon{log: slog.New(slog.DiscardHandler), images: store, defaultHostname: "node-t"}
	return serveMachine(t, n), n
}

// serveMachine serves n's MachineService on a unix socket, errors converted as machined's
// interceptors do, and returns a client.
func serveMachine(t *testing.T, n *daemon) machine.MachineServiceClient {
	t.Helper()
	gs := grpc.NewServer(grpc.StreamInterceptor(func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
		return apierr.ToGRPC(h(srv, ss))
	}), grpc.UnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		resp, err := h(ctx, req)
		return resp, apierr.ToGRPC(err)
	}))
	machine.RegisterMachineServiceServer(gs, &machineAPI{n: n})
	return machine.NewMachineServiceClient(grpcsock.Serve(t, gs))
}

func TestImageImportRoundTrip(t *testing.T) {
	store := &standInStore{ended: make(chan error, 1)}
	c, _ := serveImages(t, store)
	st, err := c.ImageImport(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := st.Send(&machine.ImageImportRequest{Chunk: make([]byte, 1000)}); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := st.CloseAndRecv()
	if err != nil {
		t.Fatalf("ImageImport: %v", err)
	}
	m := resp.GetMessages()[0]
	if m.GetBytes() != 3000 || len(m.GetImages()) != 1 || store.received.Load() != 3000 {
		t.Errorf("ImageImport = %d bytes, images %q (store read %d); want 3000 bytes, one image", m.GetBytes(), m.GetImages(), store.received.Load())
	}
	list, err := c.ImageList(context.Background(), &common.Empty{})
	if err != nil || list.GetMessages()[0].GetImages()[0].GetName() != "localhost/x:1" {
		t.Errorf("ImageList = %v, %v", list, err)
	}
}

func TestImageCallsWithoutContainerd(t *testing.T) {
	c, _ := serveImages(t, &standInStore{down: true})
	_, err := c.ImageList(context.Background(), &common.Empty{})
	wantStatus(t, "ImageList", err, codes.FailedPrecondition, "containerd is not running on this node")
	st, err := c.ImageImport(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_ = st.Send(&machine.ImageImportRequest{Chunk: []byte("x")})
	_, err = st.CloseAndRecv()
	wantStatus(t, "ImageImport", err, codes.FailedPrecondition, "containerd is not running on this node")
}

// TestImageImportCallerGoesAway: a caller that cancels mid-upload ends the import (ctr's
// context) and frees the node's one import slot.
func TestImageImportCallerGoesAway(t *testing.T) {
	store := &standInStore{ended: make(chan error, 1)}
	c, n := serveImages(t, store)
	ctx, cancel := context.WithCancel(context.Background())
	st, err := c.ImageImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Send(&machine.ImageImportRequest{Chunk: []byte("partial")}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the import to start", n.importing.Load)
	cancel()
	select {
	case err := <-store.ended:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("the import ended with %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second): // a hang guard, not a timing assertion
		t.Fatal("the import did not end when its caller went away")
	}
	waitUntil(t, "the import slot to be free", func() bool { return !n.importing.Load() })
}

func wantStatus(t *testing.T, what string, err error, code codes.Code, msg string) {
	t.Helper()
	if status.Code(err) != code || !strings.Contains(status.Convert(err).Message(), msg) {
		t.Errorf("%s = %v, want %s containing %q", what, err, code, msg)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
