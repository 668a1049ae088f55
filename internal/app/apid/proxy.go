package apid

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
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
		return s.fanOutStream(octx, ss, method, req, c.nodes)
	}
	replies := make([][]byte, len(c.nodes))
	errs := make([]error, len(c.nodes))
	why := controlPlaneOnly(method, req)
	var wg sync.WaitGroup
	for i, n := range c.nodes {
		wg.Go(func() {
			var resp frame
			conn, err := s.nodeConn(n)
			switch {
			case why != "":
				err = s.invokeControlPlane(octx, n, method, req, &resp, why)
			case err == nil:
				err = conn.Invoke(octx, method, req, &resp, grpc.ForceCodec(rawCodec{}))
			}
			if err == nil {
				resp.data, err = annotateUnary(resp.data, n)
			}
			replies[i], errs[i] = resp.data, err
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

func (s *server) fanOutStream(ctx context.Context, ss grpc.ServerStream, method string, req *frame, nodes []string) error {
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
			conn, err := s.nodeConn(n)
			if err == nil {
				err = pipe(ctx, conn, method, req, func(f *frame) error {
					return send(&frame{data: annotateStream(f.data, n)})
				})
			}
			errs[i] = err
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

// nodeConn returns a (cached) mTLS connection to another node's apid, authenticated with this
// node's proxy certificate.
func (s *server) nodeConn(node string) (*grpc.ClientConn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.conns[node]; ok {
		return c, nil
	}
	cs := s.creds.cur.Load()
	tc := &tls.Config{MinVersion: tls.VersionTLS13, RootCAs: cs.ca}
	if cs.client != nil {
		tc.Certificates = []tls.Certificate{*cs.client}
	}
	conn, err := grpc.NewClient(callmeta.NodeAddress(node, s.port), grpc.WithTransportCredentials(credentials.NewTLS(tc)))
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "node %q: %v", node, err)
	}
	s.conns[node] = conn
	return conn, nil
}

// dropConns closes the cached node connections (after new certificates arrive).
func (s *server) dropConns() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for n, c := range s.conns {
		_ = c.Close()
		delete(s.conns, n)
	}
}

// callerEnded reports whether a node's stream ended because the caller's own deadline passed
// or it cancelled: that is no failure of the node.
func callerEnded(err error) bool {
	c := status.Code(err)
	return c == codes.Canceled || c == codes.DeadlineExceeded
}
