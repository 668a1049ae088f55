package apid

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/cairn-os/cairn/internal/pkg/grpcsock"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

// counting is a MachineService whose ImageImport counts what it receives, or refuses after
// its first message when refuse is set.
type counting struct {
	machine.UnimplementedMachineServiceServer
	refuse bool
}

func (c *counting) ImageImport(st machine.MachineService_ImageImportServer) error {
	var n uint64
	for {
		req, err := st.Recv()
		if errors.Is(err, io.EOF) {
			return st.SendAndClose(&machine.ImageImportResponse{Messages: []*machine.ImageImport{{Bytes: n}}})
		}
		if err != nil {
			return err
		}
		if c.refuse {
			return status.Error(codes.FailedPrecondition, "refused")
		}
		n += uint64(len(req.GetChunk()))
	}
}

func serveCounting(t *testing.T, srv *counting) *grpc.ClientConn {
	t.Helper()
	gs := grpc.NewServer()
	machine.RegisterMachineServiceServer(gs, srv)
	return grpcsock.Serve(t, gs)
}

// frames returns an upload's messages, each a chunk of size bytes, as upload's next reads them.
func frames(t *testing.T, n, size int) (*frame, func(*frame) error) {
	t.Helper()
	var all []*frame
	for range n {
		b, err := proto.Marshal(&machine.ImageImportRequest{Chunk: make([]byte, size)})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, &frame{data: b})
	}
	i := 1
	return all[0], func(f *frame) error {
		if i == len(all) {
			return io.EOF
		}
		f.data = all[i].data
		i++
		return nil
	}
}

const importMethod = "/cairn.machine.MachineService/ImageImport"

func TestUploadRelaysEveryMessage(t *testing.T) {
	cc := serveCounting(t, &counting{})
	first, next := frames(t, 5, 1000)
	resp, err := upload(context.Background(), cc, next, importMethod, first)
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	var r machine.ImageImportResponse
	if err := proto.Unmarshal(resp.data, &r); err != nil || r.GetMessages()[0].GetBytes() != 5000 {
		t.Errorf("upload reply = %v, %v; want 5000 bytes received", &r, err)
	}
}

func TestUploadTargetRefusesEarly(t *testing.T) {
	cc := serveCounting(t, &counting{refuse: true})
	first, next := frames(t, 50, 64<<10)
	_, err := upload(context.Background(), cc, next, importMethod, first)
	if status.Code(err) != codes.FailedPrecondition {
		t.Errorf("upload to a refusing target = %v, want its FailedPrecondition", err)
	}
}

// TestUploadTargetEndsStalledCaller: a caller that stops sending does not hold the call once
// the target has answered.
func TestUploadTargetEndsStalledCaller(t *testing.T) {
	cc := serveCounting(t, &counting{refuse: true})
	first, _ := frames(t, 1, 10)
	stalled := make(chan struct{})
	t.Cleanup(func() { close(stalled) })
	next := func(*frame) error {
		<-stalled
		return io.EOF
	}
	done := make(chan error, 1)
	go func() {
		_, err := upload(context.Background(), cc, next, importMethod, first)
		done <- err
	}()
	select {
	case err := <-done:
		if status.Code(err) != codes.FailedPrecondition {
			t.Errorf("upload = %v, want the target's FailedPrecondition", err)
		}
	case <-time.After(30 * time.Second): // a hang guard, not a timing assertion
		t.Fatal("upload waited for a stalled caller after the target had answered")
	}
}

// TestUploadCallerFails: the caller's failure (here a bad message) is the call's error.
func TestUploadCallerFails(t *testing.T) {
	cc := serveCounting(t, &counting{})
	first, _ := frames(t, 1, 10)
	bad := status.Error(codes.InvalidArgument, "the request is not a valid ImageImportRequest")
	_, err := upload(context.Background(), cc, func(*frame) error { return bad }, importMethod, first)
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("upload = %v, want the caller's InvalidArgument", err)
	}
}
