package apid

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/cairn-os/cairn/internal/app/apid/callmeta"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
)

var streamDesc = &grpc.StreamDesc{ServerStreams: true}

// forwardLocal passes the call to this node's machined, naming the caller in the metadata.
func (s *server) forwardLocal(ctx context.Context, ss grpc.ServerStream, method string, desc protoreflect.MethodDescriptor, req *frame, c *call) error {
	md := callmeta.Local{Caller: c.caller, Via: c.via, RequestID: c.requestID}.Outgoing()
	octx := metadata.NewOutgoingContext(ctx, md)
	if !desc.IsStreamingServer() {
		var resp frame
		if err := s.local.Invoke(octx, method, req, &resp, grpc.ForceCodec(rawCodec{})); err != nil {
			return err
		}
		return ss.SendMsg(&resp)
	}
	return pipe(octx, s.local, method, req, func(f *frame) error { return ss.SendMsg(f) })
}

// pipe runs a server-streaming call and hands every message to send.
func pipe(ctx context.Context, conn *grpc.ClientConn, method string, req *frame, send func(*frame) error) error {
	cs, err := conn.NewStream(ctx, streamDesc, method, grpc.ForceCodec(rawCodec{}))
	if err != nil {
		return err
	}
	if err := cs.SendMsg(req); err != nil {
		return err
	}
	if err := cs.CloseSend(); err != nil {
		return err
	}
	for {
		var f frame
		if err := cs.RecvMsg(&f); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if err := send(&f); err != nil {
			return err
		}
	}
}

// proxyContext is the outgoing context of a call to another node's apid: the caller and request
// id, and no proxy chain (the receiving apid names this node as the proxy).
func proxyContext(ctx context.Context, c *call) context.Context {
	md := callmeta.Local{Caller: c.caller, RequestID: c.requestID}.Outgoing()
	return metadata.NewOutgoingContext(ctx, md)
}

func errorMetadata(node string, err error) *common.Metadata {
	st := status.Convert(err)
	return &common.Metadata{Node: node, Error: st.Message(), Code: uint32(st.Code())}
}

// forwardNodes sends the call to every target node's apid and merges the replies, each named
// after its node. With one target its error is the call's error; with several, a failing node
// becomes a reply carrying the error.
func (s *server) forwardNodes(ctx context.Context, ss grpc.ServerStream, method string, desc protoreflect.MethodDescriptor, req *frame, c *call) error {
	if cs := s.creds.cur.Load(); cs.client == nil {
		return status.Errorf(codes.FailedPrecondition, "node %q is a worker and does not proxy to other nodes: use a control-plane node as the endpoint (-e)", cs.hostname)
	}
	octx := proxyContext(ctx, c)
	if desc.IsStreamingServer() {
		return s.fanOutStream(octx, ss, method, req, c)
	}
	replies := make([][]byte, len(c.nodes))
	errs := make([]error, len(c.nodes))
	why := controlPlaneOnly(method, req)
	var wg sync.WaitGroup
	for i, n := range c.nodes {
		wg.Go(func() {
			if why != "" {
				replies[i], errs[i] = s.invokeControlPlaneNode(octx, n, method, req, why)
				return
			}
			replies[i], errs[i] = s.invokeNode(octx, n, method, req, c)
		})
	}
	wg.Wait()
	if len(c.nodes) == 1 && errs[0] != nil {
		return errs[0]
	}
	var out []byte
	for i, n := range c.nodes {
		if errs[i] != nil {
			out = append(out, errorUnary(errorMetadata(n, errs[i]))...)
			continue
		}
		out = append(out, replies[i]...)
	}
	return ss.SendMsg(&frame{data: out})
}

// invokeNode makes a unary call to one node and names the reply after it.
func (s *server) invokeNode(ctx context.Context, n, method string, req *frame, c *call) ([]byte, error) {
	conn, done, err := s.nodes.get(n)
	if err != nil {
		return nil, err
	}
	defer done()
	var resp frame
	if err := conn.Invoke(ctx, method, req, &resp, grpc.ForceCodec(rawCodec{})); err != nil {
		return nil, s.proxyError(n, c, conn, err)
	}
	return annotateUnary(resp.data, n)
}

// streamNode runs a streaming call on one node and hands every message, named after it, to send.
func (s *server) streamNode(ctx context.Context, n, method string, req *frame, c *call, send func(*frame) error) error {
	conn, done, err := s.nodes.get(n)
	if err != nil {
		return err
	}
	defer done()
	err = pipe(ctx, conn, method, req, func(f *frame) error {
		return send(&frame{data: annotateStream(f.data, n)})
	})
	return s.proxyError(n, c, conn, err)
}

// proxyError is what the caller sees of a failed call to another node: the node's own answer
// passes through, but a failure to reach it (refused, no route, a TLS handshake with something
// that is not this cluster's node) is a plain "unreachable", so that the proxy tells nothing
// about what listens where. The details go to this node's log and the call's audit event. An
// Unavailable over a connection that is up is the node's own answer and passes through.
func (s *server) proxyError(n string, c *call, conn *grpc.ClientConn, err error) error {
	if status.Code(err) != codes.Unavailable || conn.GetState() == connectivity.Ready {
		return err
	}
	s.log.Warn("node unreachable", "node", n, "request_id", c.requestID, "error", err)
	c.addNote(fmt.Sprintf("node %q unreachable: %.200s", n, status.Convert(err).Message()))
	return status.Errorf(codes.Unavailable, "node %q is unreachable", n)
}

func (s *server) fanOutStream(ctx context.Context, ss grpc.ServerStream, method string, req *frame, c *call) error {
	nodes := c.nodes
	var mu sync.Mutex
	send := func(f *frame) error {
		mu.Lock()
		defer mu.Unlock()
		return ss.SendMsg(f)
	}
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Go(func() {
			errs[i] = s.streamNode(ctx, n, method, req, c, send)
			if errs[i] != nil && len(nodes) > 1 && ctx.Err() == nil && !callerEnded(errs[i]) {
				_ = send(&frame{data: errorStream(errorMetadata(n, errs[i]))})
			}
		})
	}
	wg.Wait()
	if len(nodes) == 1 {
		return errs[0]
	}
	return ctx.Err()
}

// dialNode opens an mTLS connection to another node's apid, authenticated with this node's
// proxy certificate.
func (s *server) dialNode(node string) (*grpc.ClientConn, error) {
	cs := s.creds.cur.Load()
	tc := &tls.Config{MinVersion: tls.VersionTLS13, RootCAs: cs.ca}
	if cs.client != nil {
		tc.Certificates = []tls.Certificate{*cs.client}
	}
	conn, err := grpc.NewClient(callmeta.NodeAddress(node, s.port), grpc.WithTransportCredentials(credentials.NewTLS(tc)), grpc.WithIdleTimeout(NodeConnIdle),
		grpc.WithConnectParams(grpc.ConnectParams{Backoff: backoff.DefaultConfig, MinConnectTimeout: NodeConnectTimeout}))
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "node %q: %v", node, err)
	}
	return conn, nil
}

// callerEnded reports whether a node's stream ended because the caller's own deadline passed
// or it cancelled: that is no failure of the node.
func callerEnded(err error) bool {
	c := status.Code(err)
	return c == codes.Canceled || c == codes.DeadlineExceeded
}
