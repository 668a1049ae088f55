package apid

import (
	"context"
	"errors"
	"io"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/cairn-os/cairn/internal/app/apid/callmeta"
)

var uploadDesc = &grpc.StreamDesc{ClientStreams: true}

// forwardUpload passes a client-streaming call (an upload, first its message first) to one
// node: this node's machined, or another node's apid. Several targets are refused: the caller
// sends to each in turn, so that one slow node does not hold the others.
func (s *server) forwardUpload(ctx context.Context, ss grpc.ServerStream, method string, first *frame, c *call) error {
	next := func(f *frame) error {
		if err := ss.RecvMsg(f); err != nil {
			return err // io.EOF: the caller's end
		}
		return checkRequest(c.desc, f.data)
	}
	switch len(c.nodes) {
	case 0:
		md := callmeta.Local{Caller: c.caller, Via: c.via, RequestID: c.requestID}.Outgoing()
		resp, err := upload(metadata.NewOutgoingContext(ctx, md), s.local, next, method, first)
		if err != nil {
			return err
		}
		return ss.SendMsg(resp)
	case 1:
	default:
		return status.Errorf(codes.InvalidArgument, "%s goes to one node per call, not %d: call once per node", method, len(c.nodes))
	}
	if cs := s.creds.cur.Load(); cs.client == nil {
		return status.Errorf(codes.FailedPrecondition, "node %q is a worker and does not proxy to other nodes: use a control-plane node as the endpoint (-e)", cs.hostname)
	}
	n := c.nodes[0]
	conn, done, err := s.nodes.get(n)
	if err != nil {
		return err
	}
	defer done()
	resp, err := upload(proxyContext(ctx, c), conn, next, method, first)
	if err != nil {
		return s.proxyError(n, c, conn, err)
	}
	data, err := annotateUnary(resp.data, n)
	if err != nil {
		return err
	}
	return ss.SendMsg(&frame{data: data})
}

// upload sends first and then every message next receives from the caller (each checked as
// the first was) to conn's method, and returns the one reply. The relay runs beside the wait
// for that reply, so that the target's early answer (an error before the caller finished,
// e.g. machined's limit on an upload that stalls) ends the call even while the caller sends
// nothing; the relay then ends with the call.
func upload(ctx context.Context, conn *grpc.ClientConn, next func(*frame) error, method string, first *frame) (*frame, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	cs, err := conn.NewStream(ctx, uploadDesc, method, grpc.ForceCodec(rawCodec{}))
	if err != nil {
		return nil, err
	}
	go func() {
		if err := relay(next, cs, first); err != nil {
			cancel(relayError{err})
		}
	}()
	var resp frame
	if err := cs.RecvMsg(&resp); err != nil {
		var re relayError
		if errors.As(context.Cause(ctx), &re) {
			return nil, re.err // the caller's failure, not the target's
		}
		return nil, err
	}
	return &resp, nil
}

// relayError is the caller's side of an upload failing (it went away, or sent a bad message).
type relayError struct{ err error }

func (e relayError) Error() string { return e.err.Error() }

// relay copies the caller's messages to cs until the caller's end (then it closes cs's
// sending side) or cs's (then RecvMsg gives the target's answer).
func relay(next func(*frame) error, cs grpc.ClientStream, first *frame) error {
	f := first
	for {
		if err := cs.SendMsg(f); err != nil {
			if errors.Is(err, io.EOF) {
				return nil // the target answered early: RecvMsg has its status
			}
			return err
		}
		f = &frame{}
		if err := next(f); err != nil {
			if errors.Is(err, io.EOF) {
				return cs.CloseSend()
			}
			return err
		}
	}
}
