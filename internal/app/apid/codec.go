package apid

import (
	"fmt"

	"google.golang.org/grpc/encoding"
)

// frame is one gRPC message as raw bytes: apid forwards messages without decoding them.
type frame struct{ data []byte }

// rawCodec passes frames through unchanged.
type rawCodec struct{}

var _ encoding.Codec = rawCodec{}

func (rawCodec) Marshal(v any) ([]byte, error) {
	f, ok := v.(*frame)
	if !ok {
		return nil, fmt.Errorf("raw codec: cannot marshal %T", v)
	}
	return f.data, nil
}

func (rawCodec) Unmarshal(data []byte, v any) error {
	f, ok := v.(*frame)
	if !ok {
		return fmt.Errorf("raw codec: cannot unmarshal into %T", v)
	}
	f.data = append(f.data[:0], data...)
	return nil
}

func (rawCodec) Name() string { return "proto" }
