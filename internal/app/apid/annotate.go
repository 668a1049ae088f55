package apid

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
)

// Every reply follows the convention checked by TestReplyConvention: a unary response has field
// 1 "repeated X messages" and X has field 1 "Metadata metadata"; a streamed message has field 1
// "Metadata metadata". Protobuf merges a message field that appears twice, so apid names the
// node of a reply by appending a second metadata field, without decoding the rest.
const metadataField protowire.Number = 1

// metadataBytes encodes a common.Metadata field.
func metadataBytes(md *common.Metadata) []byte {
	b, _ := proto.Marshal(md) // a Metadata holds only strings and a number: Marshal cannot fail
	return protowire.AppendBytes(protowire.AppendTag(nil, metadataField, protowire.BytesType), b)
}

// annotateStream names the node of one streamed message.
func annotateStream(msg []byte, node string) []byte {
	return append(msg, metadataBytes(&common.Metadata{Node: node})...)
}

// annotateUnary names the node in every element of a unary response's "messages".
func annotateUnary(resp []byte, node string) ([]byte, error) {
	out := make([]byte, 0, len(resp)+32)
	extra := metadataBytes(&common.Metadata{Node: node})
	for len(resp) > 0 {
		num, typ, n := protowire.ConsumeTag(resp)
		if n < 0 {
			return nil, fmt.Errorf("annotate reply: %w", protowire.ParseError(n))
		}
		if num != 1 || typ != protowire.BytesType {
			m := protowire.ConsumeFieldValue(num, typ, resp[n:])
			if m < 0 {
				return nil, fmt.Errorf("annotate reply: %w", protowire.ParseError(m))
			}
			out = append(out, resp[:n+m]...)
			resp = resp[n+m:]
			continue
		}
		v, m := protowire.ConsumeBytes(resp[n:])
		if m < 0 {
			return nil, fmt.Errorf("annotate reply: %w", protowire.ParseError(m))
		}
		out = protowire.AppendTag(out, 1, protowire.BytesType)
		out = protowire.AppendVarint(out, uint64(len(v)+len(extra)))
		out = append(append(out, v...), extra...)
		resp = resp[n+m:]
	}
	return out, nil
}

// errorUnary is a unary response holding one element that reports a node's failure.
func errorUnary(md *common.Metadata) []byte {
	return protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), metadataBytes(md))
}

// errorStream is a streamed message that reports a node's failure.
func errorStream(md *common.Metadata) []byte {
	return metadataBytes(md)
}
