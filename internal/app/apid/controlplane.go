package apid

import (
	"context"
	"crypto/tls"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/cairn-os/cairn/internal/app/apid/callmeta"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

const applyConfigurationMethod = "/cairn.machine.MachineService/ApplyConfiguration"

// controlPlaneOnly says why a forwarded call may reach only control-plane nodes, or "" when
// any node may have it: an ApplyConfiguration whose configuration holds control-plane keys
// (or cannot be read, and so may hold some) must not reach a certificate bought with the join
// token.
func controlPlaneOnly(method string, req *frame) string {
	if method != applyConfigurationMethod {
		return ""
	}
	var r machine.ApplyConfigurationRequest
	if err := proto.Unmarshal(req.data, &r); err != nil {
		return "the request cannot be decoded, so it may hold control-plane keys"
	}
	why, _ := config.NeedsControlPlane(r.GetData())
	return why
}

// invokeControlPlane makes a unary call that only a control-plane node may receive (why says
// why) over a connection of its own, whose handshake refuses a node whose certificate is not a
// control-plane node's before any byte of the request is sent. The refusal is the call's error
// as is: it is an answer of this node, not a failure to reach the other.
func (s *server) invokeControlPlane(ctx context.Context, node, method string, req, resp *frame, why string) error {
	cs := s.creds.cur.Load()
	tc := &tls.Config{MinVersion: tls.VersionTLS13, RootCAs: cs.ca}
	if cs.client != nil {
		tc.Certificates = []tls.Certificate{*cs.client}
	}
	var refused atomic.Pointer[error]
	tc.VerifyConnection = func(st tls.ConnectionState) error {
		if len(st.PeerCertificates) > 0 && pki.IsControlPlane(st.PeerCertificates[0]) {
			return nil
		}
		err := status.Errorf(codes.FailedPrecondition, "node %q is not a control-plane node (its certificate is a worker's): the configuration is not forwarded to it, since %s", node, why)
		refused.CompareAndSwap(nil, &err)
		return err
	}
	conn, err := grpc.NewClient(callmeta.NodeAddress(node, s.port), grpc.WithTransportCredentials(credentials.NewTLS(tc)))
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "node %q: %v", node, err)
	}
	defer func() { _ = conn.Close() }()
	err = conn.Invoke(ctx, method, req, resp, grpc.ForceCodec(rawCodec{}))
	if r := refused.Load(); r != nil {
		return *r
	}
	return err
}

// invokeControlPlaneNode is invokeControlPlane with the reply named after the node.
func (s *server) invokeControlPlaneNode(ctx context.Context, node, method string, req *frame, why string) ([]byte, error) {
	var resp frame
	if err := s.invokeControlPlane(ctx, node, method, req, &resp, why); err != nil {
		return nil, err
	}
	return annotateUnary(resp.data, node)
}
