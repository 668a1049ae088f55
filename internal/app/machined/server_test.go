package machined

import (
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
)

// TestStopServerLeavesStuckHandler stops a server whose one call ignores its cancellation and
// never ends, its caller gone: stopServer must return. (GracefulStop then waits for the
// handler holding the server's lock, so a Stop after it waits forever for that lock.)
func TestStopServerLeavesStuckHandler(t *testing.T) {
	entered, block := make(chan struct{}), make(chan struct{})
	defer close(block)
	gs := grpc.NewServer(grpc.UnknownServiceHandler(func(any, grpc.ServerStream) error {
		close(entered)
		<-block
		return nil
	}))
	sock := filepath.Join(t.TempDir(), "s.sock")
	lis, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = gs.Serve(lis) }()
	cc, err := grpc.NewClient("unix://"+sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = cc.Invoke(context.Background(), "/stuck.Service/Call", &emptypb.Empty{}, &emptypb.Empty{}) }()
	<-entered
	_ = cc.Close() // the caller goes away (as apid does when it is stopped first)
	stopped := make(chan struct{})
	go func() { (&daemon{log: slog.New(slog.DiscardHandler)}).stopServer(gs); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(time.Minute): // a hang guard, not a timing assertion
		t.Fatal("stopServer did not return with a handler that ignores cancellation")
	}
}
