// Package trustd issues certificates to joining nodes: a node presents the cluster's join
// token and a certificate signing request, and gets a certificate from the OS CA. Like apid it
// holds no keys: it gets its server certificate from machined, and machined checks the token
// and signs.
package trustd

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/cairn-os/cairn/internal/pkg/sandbox"
	"github.com/cairn-os/cairn/internal/pkg/seccomp"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/node"
	"github.com/cairn-os/cairn/pkg/machinery/api/trust"
	"github.com/cairn-os/cairn/pkg/machinery/constants"
)

// Main runs trustd until ctx ends or machined goes away.
func Main(ctx context.Context, args []string) error {
	// First of all: trustd holds no privilege, never gains one, touches no file and makes
	// only the system calls of its allowlist.
	sb, err := sandbox.Restrict(sandbox.NameServiceFiles, seccomp.Trustd)
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	fs := flag.NewFlagSet("trustd", flag.ContinueOnError)
	socket := fs.String("socket", "", "machined's unix socket (required)")
	listen := fs.String("listen", ":50001", "address to serve on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *socket == "" {
		return errors.New("--socket is required")
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("component", "trustd")
	sb.Log(log)
	return run(ctx, log, *socket, *listen)
}

type server struct {
	trust.UnimplementedTrustServiceServer
	node node.NodeServiceClient
	cert atomic.Pointer[tls.Certificate]
	// maintenance is true while the node has no configuration.
	maintenance atomic.Bool
	// hostname names the node in audit events.
	hostname atomic.Value
	log      *slog.Logger
}

func run(ctx context.Context, log *slog.Logger, socket, listen string) error {
	conn, err := grpc.NewClient("unix://"+socket, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("connect to machined: %w", err)
	}
	defer func() { _ = conn.Close() }()
	s := &server{node: node.NewNodeServiceClient(conn), log: log}
	s.hostname.Store("")
	stream, err := s.node.Certificates(ctx, &common.Empty{})
	if err != nil {
		return fmt.Errorf("ask machined for certificates: %w", err)
	}
	if err := s.receive(stream); err != nil {
		return err
	}
	lis, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS13, GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return s.cert.Load(), nil }}
	gs := grpc.NewServer(grpc.Creds(credentials.NewTLS(tc)), grpc.MaxRecvMsgSize(64<<10))
	trust.RegisterTrustServiceServer(gs, s)
	go func() { _ = gs.Serve(lis) }()
	log.Info("serving", "address", lis.Addr().String())
	errc := make(chan error, 1)
	go func() {
		for {
			if err := s.receive(stream); err != nil {
				errc <- err
				return
			}
		}
	}()
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	stopped := make(chan struct{})
	go func() { gs.GracefulStop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		gs.Stop()
	}
	return err
}

func (s *server) receive(stream node.NodeService_CertificatesClient) error {
	m, err := stream.Recv()
	if err != nil {
		return fmt.Errorf("certificate stream from machined: %w", err)
	}
	c, err := tls.X509KeyPair(m.GetServerCrt(), m.GetServerKey())
	if err != nil {
		return fmt.Errorf("server certificate from machined: %w", err)
	}
	s.cert.Store(&c)
	s.maintenance.Store(m.GetMaintenance())
	s.hostname.Store(m.GetHostname())
	return nil
}

// Certificate forwards a joining node's request, with the address it came from, to machined,
// which checks the token and signs a worker certificate bound to that address.
// Every request, granted or refused, is audited.
func (s *server) Certificate(ctx context.Context, r *trust.CertificateRequest) (*trust.CertificateResponse, error) {
	start := time.Now()
	resp, err := s.certificate(ctx, r)
	s.record(ctx, r, start, err)
	return resp, err
}

func (s *server) certificate(ctx context.Context, r *trust.CertificateRequest) (*trust.CertificateResponse, error) {
	if s.maintenance.Load() {
		return nil, status.Error(codes.Unavailable, "this node has no configuration yet (maintenance mode): it cannot issue certificates")
	}
	p, ok := peer.FromContext(ctx)
	if !ok {
		return nil, status.Error(codes.Internal, "join request without a peer address")
	}
	host, _, err := net.SplitHostPort(p.Addr.String())
	if err != nil {
		return nil, status.Errorf(codes.Internal, "join request peer address %q: %v", p.Addr, err)
	}
	ctx = metadata.NewOutgoingContext(ctx, metadata.Pairs(constants.JoinAddressMetadata, host))
	return s.node.SignNodeCertificate(ctx, r)
}
