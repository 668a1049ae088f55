package machined

import (
	"context"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/cairn-os/cairn/internal/app/apid/callmeta"
	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/internal/pkg/peercred"
	"github.com/cairn-os/cairn/pkg/machinery/api/audit"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/etcd"
	"github.com/cairn-os/cairn/pkg/machinery/api/evidence"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/api/node"
	"github.com/cairn-os/cairn/pkg/machinery/api/resource"
	"github.com/cairn-os/cairn/pkg/machinery/constants"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// maxRequestBytes bounds one request on machined's socket (apid enforces the same limit).
const maxRequestBytes = 4 << 20

type callKey struct{}

// caller returns what apid said about the call.
func caller(ctx context.Context) callmeta.Local {
	l, _ := ctx.Value(callKey{}).(callmeta.Local)
	return l
}

// callerRoles are the known roles of the call's original caller.
func callerRoles(ctx context.Context) []role.Role {
	return role.FromOrganization(caller(ctx).Caller.Roles)
}

// internalPrefix marks the machined-internal service, which carries no caller.
const internalPrefix = "/cairn.node.NodeService/"

// identify reads the caller from apid's metadata; calls without it are refused.
func identify(ctx context.Context, method string) (context.Context, error) {
	if strings.HasPrefix(method, internalPrefix) {
		return ctx, nil
	}
	md, _ := metadata.FromIncomingContext(ctx)
	l, err := callmeta.FromIncoming(md)
	if err != nil {
		return nil, status.Errorf(codes.Unauthenticated, "calls to machined come through apid: %v", err)
	}
	return context.WithValue(ctx, callKey{}, l), nil
}

func unaryInterceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	ctx, err := identify(ctx, info.FullMethod)
	if err != nil {
		return nil, err
	}
	resp, err := h(ctx, req)
	return resp, apierr.ToGRPC(err)
}

type wrappedStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (w wrappedStream) Context() context.Context { return w.ctx }

func streamInterceptor(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	ctx, err := identify(ss.Context(), info.FullMethod)
	if err != nil {
		return err
	}
	return apierr.ToGRPC(h(srv, wrappedStream{ServerStream: ss, ctx: ctx}))
}

// serveSocket serves the local API on machined's unix socket. The socket (and its directory,
// unless that is the state directory) belongs to root and the cairn-api group, and only root,
// machined's own uid and the services' uids may stay connected (SO_PEERCRED).
func (n *daemon) serveSocket() (stop func(), err error) {
	lis, err := n.listenSocket()
	if err != nil {
		return nil, err
	}
	allowed := peercred.AllowUIDs(0, uint32(os.Geteuid()), constants.ApidUID, constants.TrustdUID)
	lis = peercred.Listen(lis, allowed, n.log)
	gs := grpc.NewServer(
		grpc.UnaryInterceptor(unaryInterceptor),
		grpc.StreamInterceptor(streamInterceptor),
		grpc.MaxRecvMsgSize(maxRequestBytes),
	)
	machine.RegisterMachineServiceServer(gs, &machineAPI{n: n})
	resource.RegisterResourceServiceServer(gs, &resourceAPI{n: n})
	audit.RegisterAuditServiceServer(gs, &auditAPI{n: n})
	etcd.RegisterEtcdServiceServer(gs, newEtcdAPI(n))
	evidence.RegisterEvidenceServiceServer(gs, newEvidenceAPI(n))
	node.RegisterNodeServiceServer(gs, &nodeAPI{n: n})
	go func() {
		if err := gs.Serve(lis); err != nil {
			n.log.Error("local API stopped", "error", err)
		}
	}()
	return func() {
		n.stopServer(gs)
		_ = os.Remove(n.opts.Socket)
		if n.socketFile != nil {
			_ = n.socketFile.Close()
		}
	}, nil
}

// stopGrace is how long stopping the local API waits for calls to end, first gracefully, then
// after cancelling them.
const stopGrace = 2 * time.Second

// stopServer stops the local API, waiting a bounded time: calls get stopGrace to end, then
// are cancelled, and a handler that ignores its cancellation is left behind (logged), never
// waited for.
func (n *daemon) stopServer(gs *grpc.Server) {
	if waitBounded(gs.GracefulStop, stopGrace) {
		return
	}
	if !waitBounded(gs.Stop, stopGrace) {
		n.log.Error("local API calls did not end when cancelled; not waiting for them")
	}
}

// waitBounded runs fn and reports whether it returned within d.
func waitBounded(fn func(), d time.Duration) bool {
	done := make(chan struct{})
	go func() { fn(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// md is the metadata of this node's replies.
func (n *daemon) md() *common.Metadata { return &common.Metadata{Hostname: n.hostname()} }
