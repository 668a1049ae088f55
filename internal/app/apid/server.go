package apid

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/cairn-os/cairn/pkg/machinery/api/node"
	"github.com/cairn-os/cairn/pkg/machinery/role"

	// The public API's descriptors: apid looks methods up in the registry.
	_ "github.com/cairn-os/cairn/pkg/machinery/api/audit"
	_ "github.com/cairn-os/cairn/pkg/machinery/api/etcd"
	_ "github.com/cairn-os/cairn/pkg/machinery/api/evidence"
	_ "github.com/cairn-os/cairn/pkg/machinery/api/machine"
	_ "github.com/cairn-os/cairn/pkg/machinery/api/resource"
)

// server is apid: it authenticates, authorizes and audits every call, then forwards it to the
// local machined or to other nodes.
type server struct {
	log   *slog.Logger
	creds *credStore
	// local is machined's unix socket; nodeAPI is its internal API on the same connection.
	local   *grpc.ClientConn
	nodeAPI node.NodeServiceClient
	port    int
	now     func() time.Time

	// nodes caches the connections to other nodes' apid.
	nodes *nodeConns
	// callers bounds the calls in progress per caller.
	callers *callerLimit
	// stop ends the calls in progress when apid stops.
	stop stopping
}

// stopping ends calls when apid stops: streams ends at once (they would never end by
// themselves), unary after a short grace.
type stopping struct {
	streams, unary context.Context
}

// errStopping is the cause of the calls apid ends because it stops.
var errStopping = errors.New("apid is stopping")

// handle serves every call: apid registers no service of its own.
func (s *server) handle(_ any, ss grpc.ServerStream) error {
	start := s.now()
	method, _ := grpc.MethodFromServerStream(ss)
	ctx := ss.Context()
	creds := s.creds.cur.Load()
	c := &call{requestID: newRequestID()}
	c.peer = identify(ctx)
	c.caller = c.peer
	var req frame
	err := s.serve(ctx, ss, method, creds, c, &req)
	if status.Code(err) == codes.Canceled && s.stop.streams.Err() != nil {
		err = status.Error(codes.Unavailable, "apid is stopping: call again in a moment")
	}
	err = toStatus(err)
	s.record(c, method, creds, start, err, req.data)
	return err
}

func (s *server) serve(ctx context.Context, ss grpc.ServerStream, method string, creds *credentialSet, c *call, req *frame) error {
	if err := s.authenticate(ctx, c, creds); err != nil {
		return err
	}
	if err := authorize(method, c, creds); err != nil {
		return err
	}
	desc, err := lookupMethod(method)
	if err != nil {
		return err
	}
	c.desc = desc
	release, err := s.callers.acquire(callerKey(c), c.caller.Subject)
	if err != nil {
		return err
	}
	defer release()
	ctx, cancel := bounded(ctx, s.stopOf(desc))
	defer cancel()
	if err := receive(ss, desc, req); err != nil {
		return err
	}
	if desc.IsStreamingClient() {
		return s.forwardUpload(ctx, ss, method, req, c)
	}
	if len(c.nodes) == 0 {
		return s.forwardLocal(ctx, ss, method, desc, req, c)
	}
	return s.forwardNodes(ctx, ss, method, desc, req, c)
}

// receive reads the call's one request message (an upload's first) and checks that it decodes.
func receive(ss grpc.ServerStream, desc protoreflect.MethodDescriptor, req *frame) error {
	if err := ss.RecvMsg(req); err != nil {
		if errors.Is(err, io.EOF) {
			return status.Error(codes.InvalidArgument, "the call carried no request message")
		}
		return err
	}
	return checkRequest(desc, req.data)
}

// stopOf is what ends a call when apid stops: at once for a call whose replies stream (they
// would never end by themselves), after the unary grace for the others. An upload ends like a
// unary call: the node may act on one it has received before apid has relayed its reply (an
// upgrade reboots the node, which stops apid), and the grace lets that reply out.
func (s *server) stopOf(desc protoreflect.MethodDescriptor) context.Context {
	if desc.IsStreamingServer() {
		return s.stop.streams
	}
	return s.stop.unary
}

// bounded derives a call's context that also ends, with errStopping, when stop does.
func bounded(ctx context.Context, stop context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(ctx)
	undo := context.AfterFunc(stop, func() { cancel(errStopping) })
	return ctx, func() { undo(); cancel(nil) }
}

// authorize applies the one roles table (or, in maintenance mode, the maintenance list).
func authorize(method string, c *call, creds *credentialSet) error {
	if creds.maintenance {
		if !role.AllowedInMaintenance(method) {
			return status.Errorf(codes.PermissionDenied, "%s is not available in maintenance mode: the node has no configuration yet; only Version, Disks and ApplyConfiguration are", method)
		}
		return nil
	}
	if role.Allowed(method, c.roles) {
		return nil
	}
	// Denied: look the method's roles up (a copy) only to say why.
	allowed, ok := role.MethodRoles(method)
	if !ok {
		return status.Errorf(codes.PermissionDenied, "method %s is not in the roles table: denied", method)
	}
	return status.Errorf(codes.PermissionDenied, "%s is not allowed for roles %v (it needs one of %v)", method, role.Strings(c.roles), role.Strings(allowed))
}

// lookupMethod finds a method in the public API's descriptors.
func lookupMethod(method string) (protoreflect.MethodDescriptor, error) {
	svc, name, ok := strings.Cut(strings.TrimPrefix(method, "/"), "/")
	if !ok {
		return nil, status.Errorf(codes.Unimplemented, "malformed method name %q", method)
	}
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(svc))
	if err != nil {
		return nil, status.Errorf(codes.Unimplemented, "unknown service %q", svc)
	}
	sd, ok := d.(protoreflect.ServiceDescriptor)
	if !ok {
		return nil, status.Errorf(codes.Unimplemented, "%q is not a service", svc)
	}
	md := sd.Methods().ByName(protoreflect.Name(name))
	if md == nil || (md.IsStreamingClient() && md.IsStreamingServer()) {
		return nil, status.Errorf(codes.Unimplemented, "unknown method %q", method)
	}
	return md, nil
}

// toStatus converts an error to a gRPC status once, here at the edge.
func toStatus(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	switch {
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	}
	return status.Error(codes.Internal, err.Error())
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// String describes the server for logs.
func (s *server) String() string { return fmt.Sprintf("apid(port %d)", s.port) }
