package apid

import (
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// checkRequest decodes a request message against its method's input type, as machined will,
// so that bytes machined could not decode are refused here as the caller's error
// (InvalidArgument) instead of coming back from machined as an Internal one.
func checkRequest(desc protoreflect.MethodDescriptor, raw []byte) error {
	in := desc.Input()
	if err := proto.Unmarshal(raw, dynamicpb.NewMessage(in)); err != nil {
		return status.Errorf(codes.InvalidArgument, "the request (%d bytes) is not a valid %s: %v", len(raw), in.FullName(), err)
	}
	return nil
}
