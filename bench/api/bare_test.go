package api

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/protobuf/proto"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
	"github.com/cairn-os/cairn/pkg/machinery/secrets"
)

// bareEndpoint is the loopback address of the baseline server.
const bareEndpoint = "127.0.0.11"

// bareServer is the baseline: grpc-go over the same mutual TLS (TLS 1.3, a server certificate
// of the cluster's OS CA, the client certificate required and verified against it) answering
// Version with a copy of the node's own reply; no authorisation, no audit, no forwarding.
type bareServer struct {
	machine.UnimplementedMachineServiceServer
	reply *machine.VersionResponse
}

func (s *bareServer) Version(context.Context, *common.Empty) (*machine.VersionResponse, error) {
	return s.reply, nil
}

// startBare starts the baseline server and connects bare to it with the admin certificate.
func startBare(b *secrets.Bundle, admin *clientconfig.Context) error {
	reply, err := cl.Machine.Version(context.Background(), &common.Empty{})
	if err != nil {
		return err
	}
	tc, err := bareTLS(b)
	if err != nil {
		return err
	}
	lis, err := net.Listen("tcp", bareEndpoint+":50000")
	if err != nil {
		return err
	}
	gs := grpc.NewServer(grpc.Creds(credentials.NewTLS(tc)))
	machine.RegisterMachineServiceServer(gs, &bareServer{reply: proto.Clone(reply).(*machine.VersionResponse)})
	go func() { _ = gs.Serve(lis) }()
	cleanups = append(cleanups, gs.Stop)
	if bare, err = client.FromContext(admin, []string{bareEndpoint}); err != nil {
		return err
	}
	return waitVersion(bare, 5*time.Second)
}

// bareTLS is the baseline server's TLS configuration.
func bareTLS(b *secrets.Bundle) (*tls.Config, error) {
	kp, err := b.Certs.OS.Issue(pki.Request{CommonName: "bare", IPAddresses: []net.IP{net.ParseIP(bareEndpoint)}, Usage: pki.ServerAuth})
	if err != nil {
		return nil, err
	}
	cert, err := tls.X509KeyPair(kp.CertPEM, kp.KeyPEM)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(b.Certs.OS.CertPEM) {
		return nil, errors.New("the OS CA certificate does not parse")
	}
	return &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: roots}, nil
}
