package apid

import (
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/cairn-os/cairn/pkg/machinery/api/audit"
	"github.com/cairn-os/cairn/pkg/machinery/api/etcd"
	"github.com/cairn-os/cairn/pkg/machinery/api/evidence"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/api/resource"
)

const metadataType = "cairn.common.Metadata"

// TestReplyConvention checks what the proxy relies on: a unary response has field 1
// "repeated X" with X's field 1 a Metadata; a streamed message has field 1 a Metadata; and a
// method that streams from the client (an upload) answers with one message.
func TestReplyConvention(t *testing.T) {
	for _, f := range []protoreflect.FileDescriptor{machine.File_machine_machine_proto, resource.File_resource_resource_proto, audit.File_audit_audit_proto, etcd.File_etcd_etcd_proto, evidence.File_evidence_evidence_proto} {
		for i := range f.Services().Len() {
			s := f.Services().Get(i)
			for j := range s.Methods().Len() {
				m := s.Methods().Get(j)
				if m.IsStreamingClient() && m.IsStreamingServer() {
					t.Errorf("%s streams both ways: the proxy does not support it", m.FullName())
				}
				out := m.Output()
				if !m.IsStreamingServer() {
					f1 := out.Fields().ByNumber(1)
					if f1 == nil || !f1.IsList() || f1.Message() == nil {
						t.Errorf("%s: response %s has no field 1 \"repeated messages\"", m.FullName(), out.FullName())
						continue
					}
					out = f1.Message()
				}
				md := out.Fields().ByNumber(1)
				if md == nil || md.IsList() || md.Message() == nil || md.Message().FullName() != metadataType {
					t.Errorf("%s: %s has no field 1 of type %s", m.FullName(), out.FullName(), metadataType)
				}
			}
		}
	}
}
