// Package apid is the node's mTLS front door: TLS 1.3 only, client certificates required, roles
// from the certificate's Organization, one roles table, an audit event for every call, and
// proxying to other nodes. It holds no keys on disk: machined hands it its certificates over
// machined's unix socket, where apid also forwards every call it lets through.
package apid

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"time"

	"google.golang.org/grpc"
	grpccreds "google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/keepalive"

	"github.com/cairn-os/cairn/internal/pkg/sandbox"
	"github.com/cairn-os/cairn/internal/pkg/seccomp"
	"github.com/cairn-os/cairn/pkg/machinery/api/node"
	"github.com/cairn-os/cairn/pkg/machinery/constants"
)

// MaxRequestBytes bounds one request message.
const MaxRequestBytes = 4 << 20

type options struct {
	socket string
	listen string
}

// Main runs apid until ctx ends or machined goes away.
func Main(ctx context.Context, args []string) error {
	// First of all: apid holds no privilege, never gains one, touches no file and makes
	// only the system calls of its allowlist.
	sb, err := sandbox.Restrict(sandbox.NameServiceFiles, seccomp.APID)
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	fs := flag.NewFlagSet("apid", flag.ContinueOnError)
	var o options
	fs.StringVar(&o.socket, "socket", "", "machined's unix socket (required)")
	fs.StringVar(&o.listen, "listen", net.JoinHostPort("", strconv.Itoa(constants.APIPort)), "address to serve the API on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.socket == "" {
		return errors.New("--socket is required")
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("component", "apid")
	sb.Log(log)
	return run(ctx, log, o)
}

func run(ctx context.Context, log *slog.Logger, o options) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	local, err := grpc.NewClient("unix://"+o.socket, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("connect to machined: %w", err)
	}
	defer func() { _ = local.Close() }()
	_, portStr, err := net.SplitHostPort(o.listen)
	if err != nil {
		return fmt.Errorf("--listen %q: %w", o.listen, err)
	}
	port, _ := strconv.Atoi(portStr)
	s := &server{log: log, local: local, nodeAPI: node.NewNodeServiceClient(local), port: port, now: time.Now, callers: newCallerLimit(MaxCallsPerCaller)}
	s.nodes = newNodeConns(s.dialNode, time.Now)
	s.creds = &credStore{changed: s.nodes.drop}
	ready := make(chan struct{})
	watchErr := make(chan error, 1)
	go func() { watchErr <- s.creds.watch(ctx, s.nodeAPI, ready) }()
	select {
	case <-ready:
	case err := <-watchErr:
		return err
	case <-ctx.Done():
		return nil
	}
	lis, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	return s.serveListener(ctx, log, lis, watchErr)
}

// Grace periods of a stop: unary calls may finish during unaryGrace, then are cancelled too;
// after stopGrace the connections are closed whatever runs. Both stay well below the
// supervisor's stop timeout (5 s) before it kills apid.
const (
	unaryGrace = 1500 * time.Millisecond
	stopGrace  = 1500 * time.Millisecond
)

func (s *server) serveListener(ctx context.Context, log *slog.Logger, lis net.Listener, watchErr <-chan error) error {
	streams, stopStreams := context.WithCancel(context.Background())
	unary, stopUnary := context.WithCancel(context.Background())
	defer stopUnary()
	s.stop = stopping{streams: streams, unary: unary}
	gs := s.grpcServer()
	serveErr := make(chan error, 1)
	go func() { serveErr <- gs.Serve(newLimitListener(lis, log, MaxConns, MaxConnsPerSource)) }()
	go s.sweepNodes(streams)
	log.Info("serving the API", "address", lis.Addr().String(), "maintenance", s.creds.cur.Load().maintenance)
	var err error
	select {
	case <-ctx.Done():
	case err = <-watchErr:
	case err = <-serveErr:
	}
	stopStreams()
	stopped := make(chan struct{})
	go func() { gs.GracefulStop(); close(stopped) }()
	if !waitFor(stopped, unaryGrace) {
		stopUnary()
		if !waitFor(stopped, stopGrace) {
			gs.Stop()
		}
	}
	s.nodes.drop()
	log.Info("API stopped")
	return err
}

func (s *server) grpcServer() *grpc.Server {
	creds := unverifiedDeadline{TransportCredentials: grpccreds.NewTLS(s.creds.tlsConfig()), verified: s.verified, lifetime: UnverifiedLifetime}
	return grpc.NewServer(
		grpc.Creds(creds),
		grpc.UnknownServiceHandler(s.handle),
		grpc.ForceServerCodec(rawCodec{}),
		grpc.MaxRecvMsgSize(MaxRequestBytes),
		grpc.MaxConcurrentStreams(256),
		grpc.ConnectionTimeout(HandshakeTimeout),
		grpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionIdle: IdleTimeout}),
		// Clients ping during long calls (client.KeepaliveTime); more often than every 15 s,
		// or on an idle connection, is refused with GOAWAY as gRPC does by default.
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 15 * time.Second}),
	)
}

// verified reports whether a client presented a certificate this cluster's CA signed.
func (s *server) verified(st tls.ConnectionState) bool {
	cs := s.creds.cur.Load()
	return !cs.maintenance && verifyChain(st.PeerCertificates, cs, s.now()) == nil
}

// sweepNodes closes idle node connections until ctx ends.
func (s *server) sweepNodes(ctx context.Context) {
	t := time.NewTicker(NodeConnIdle / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.nodes.sweep()
		}
	}
}

// waitFor reports whether done closed within d.
func waitFor(done <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}
