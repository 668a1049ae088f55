// Package client is the Go client of the Cairn node API: one gRPC connection over mutual TLS
// to the first reachable endpoint, with helpers to target other nodes through it.
package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"

	"github.com/cairn-os/cairn/pkg/machinery/api/audit"
	"github.com/cairn-os/cairn/pkg/machinery/api/etcd"
	"github.com/cairn-os/cairn/pkg/machinery/api/evidence"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/api/resource"
	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
	"github.com/cairn-os/cairn/pkg/machinery/constants"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// MaxResponseBytes bounds one response message (file reads and logs are chunked below it).
const MaxResponseBytes = 32 << 20

// ConnectTimeout bounds the TCP and TLS handshake with an endpoint.
const ConnectTimeout = 5 * time.Second

// NodesMetadata is the metadata key that names the target nodes of a call.
const NodesMetadata = "nodes"

// Client is a connection to one Cairn endpoint.
type Client struct {
	conn     *grpc.ClientConn
	Machine  machine.MachineServiceClient
	Resource resource.ResourceServiceClient
	Audit    audit.AuditServiceClient
	Etcd     etcd.EtcdServiceClient
	Evidence evidence.EvidenceServiceClient
}

// New connects to the first reachable of endpoints (host or host:port; the default port is
// the API port) with the given TLS configuration.
func New(endpoints []string, tc *tls.Config) (*Client, error) {
	if len(endpoints) == 0 {
		return nil, errors.New("no endpoints: pass --endpoints or set them in the client configuration")
	}
	var addrs []resolver.Address
	for _, e := range endpoints {
		addr := EndpointAddress(e)
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("endpoint %q: %w", e, err)
		}
		addrs = append(addrs, resolver.Address{Addr: addr, ServerName: host})
	}
	r := manual.NewBuilderWithScheme("cairn")
	r.InitialState(resolver.State{Addresses: addrs})
	conn, err := grpc.NewClient("cairn:///"+strings.Join(endpoints, ","),
		grpc.WithResolvers(r),
		grpc.WithTransportCredentials(credentials.NewTLS(tc)),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(MaxResponseBytes)),
		// An endpoint that does not complete TCP and TLS in 5s is reported unreachable, not
		// waited on for gRPC's default 20s.
		grpc.WithConnectParams(grpc.ConnectParams{Backoff: backoff.DefaultConfig, MinConnectTimeout: ConnectTimeout}),
		// While a call runs, a peer that stops answering (a node whose power was cut behind a
		// port forward that stays up) is detected by pings in under a minute instead of TCP's
		// retransmission timeout; no ping is sent on an idle connection.
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: KeepaliveTime, Timeout: KeepaliveTimeout}),
	)
	if err != nil {
		return nil, fmt.Errorf("connect to %v: %w", endpoints, err)
	}
	return &Client{conn: conn, Machine: machine.NewMachineServiceClient(conn), Resource: resource.NewResourceServiceClient(conn), Audit: audit.NewAuditServiceClient(conn), Etcd: etcd.NewEtcdServiceClient(conn),
		Evidence: evidence.NewEvidenceServiceClient(conn)}, nil
}

// KeepaliveTime and KeepaliveTimeout are the client's pings during a call: one after this much
// silence, and the connection is dropped when its answer takes longer than the timeout. apid
// allows pings this often (its keepalive enforcement policy).
const (
	KeepaliveTime    = 30 * time.Second
	KeepaliveTimeout = 20 * time.Second
)

// FromContext connects with the credentials of a client configuration context; endpoints
// override the context's when not empty.
func FromContext(c *clientconfig.Context, endpoints []string) (*Client, error) {
	tc, err := c.TLSConfig()
	if err != nil {
		return nil, err
	}
	if len(endpoints) == 0 {
		endpoints = c.Endpoints
	}
	return New(endpoints, tc)
}

// Insecure connects to a node in maintenance mode, which has no certificate from the cluster
// CA yet. With a fingerprint (lowercase hex SHA-256 of the server certificate) only that
// certificate is accepted; without one, any is (and the connection can be intercepted).
func Insecure(endpoints []string, fingerprint string) (*Client, error) {
	fingerprint = strings.ToLower(strings.ReplaceAll(fingerprint, ":", ""))
	tc := &tls.Config{
		MinVersion:         tls.VersionTLS13,
		InsecureSkipVerify: true, //nolint:gosec // the certificate is checked by fingerprint below
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if fingerprint == "" {
				return nil
			}
			if len(raw) == 0 {
				return errors.New("the server sent no certificate")
			}
			cert, err := x509.ParseCertificate(raw[0])
			if err != nil {
				return fmt.Errorf("server certificate: %w", err)
			}
			if got := pki.Fingerprint(cert); got != fingerprint {
				return fmt.Errorf("server certificate fingerprint is %s, not the expected %s", got, fingerprint)
			}
			return nil
		},
	}
	return New(endpoints, tc)
}

// EndpointAddress adds the API port to an endpoint without one.
func EndpointAddress(e string) string {
	if _, _, err := net.SplitHostPort(e); err == nil {
		return e
	}
	return net.JoinHostPort(strings.Trim(e, "[]"), strconv.Itoa(constants.APIPort))
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Conn returns the underlying connection (for benchmarks and raw calls).
func (c *Client) Conn() *grpc.ClientConn { return c.conn }

// WithNodes targets a call at the given nodes; the endpoint proxies to them. With no nodes the
// endpoint itself answers.
func WithNodes(ctx context.Context, nodes ...string) context.Context {
	if len(nodes) == 0 {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, NodesMetadata, strings.Join(nodes, ","))
}
