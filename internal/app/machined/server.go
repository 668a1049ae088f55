package machined

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/cairn-os/cairn/internal/app/apid/callmeta"
	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/pkg/machinery/api/audit"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/api/node"
	"github.com/cairn-os/cairn/pkg/machinery/api/resource"
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

// serveSocket serves the local API on machined's unix socket (mode 0600).
func (n *daemon) serveSocket() (stop func(), err error) {
	if err := os.MkdirAll(filepath.Dir(n.opts.Socket), 0o700); err != nil {
		return nil, fmt.Errorf("create socket directory: %w", err)
	}
	if err := os.Remove(n.opts.Socket); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("remove stale socket: %w", err)
	}
	lis, err := net.Listen("unix", n.opts.Socket)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", n.opts.Socket, err)
	}
	if err := os.Chmod(n.opts.Socket, 0o600); err != nil {
		_ = lis.Close()
		return nil, fmt.Errorf("restrict socket: %w", err)
	}
	gs := grpc.NewServer(
		grpc.UnaryInterceptor(unaryInterceptor),
		grpc.StreamInterceptor(streamInterceptor),
		grpc.MaxRecvMsgSize(maxRequestBytes),
	)
	machine.RegisterMachineServiceServer(gs, &machineAPI{n: n})
	resource.RegisterResourceServiceServer(gs, &resourceAPI{n: n})
	audit.RegisterAuditServiceServer(gs, &auditAPI{n: n})
	node.RegisterNodeServiceServer(gs, &nodeAPI{n: n})
	go func() {
		if err := gs.Serve(lis); err != nil {
			n.log.Error("local API stopped", "error", err)
		}
	}()
	return func() {
		done := make(chan struct{})
		go func() { gs.GracefulStop(); close(done) }()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			gs.Stop()
		}
		_ = os.Remove(n.opts.Socket)
	}, nil
}

// md is the metadata of this node's replies.
func (n *daemon) md() *common.Metadata { return &common.Metadata{Hostname: n.hostname()} }
