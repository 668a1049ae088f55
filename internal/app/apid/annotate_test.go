package apid

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

func TestAnnotateUnary(t *testing.T) {
	resp := &machine.VersionResponse{Messages: []*machine.Version{
		{Metadata: &common.Metadata{Hostname: "a"}, Mode: "container"},
		{Mode: "metal"},
	}}
	raw, _ := proto.Marshal(resp)
	got, err := annotateUnary(raw, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, errorUnary(&common.Metadata{Node: "10.0.0.2", Error: "down", Code: 14})...)
	var out machine.VersionResponse
	if err := proto.Unmarshal(got, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 3 {
		t.Fatalf("got %d messages, want 3", len(out.Messages))
	}
	m0, m1, m2 := out.Messages[0], out.Messages[1], out.Messages[2]
	if m0.GetMetadata().GetNode() != "10.0.0.1" || m0.GetMetadata().GetHostname() != "a" || m0.GetMode() != "container" {
		t.Errorf("first message = %v", m0)
	}
	if m1.GetMetadata().GetNode() != "10.0.0.1" || m1.GetMode() != "metal" {
		t.Errorf("second message = %v", m1)
	}
	if m2.GetMetadata().GetError() != "down" || m2.GetMetadata().GetCode() != 14 {
		t.Errorf("error message = %v", m2)
	}
}

func TestAnnotateStream(t *testing.T) {
	raw, _ := proto.Marshal(&machine.LogChunk{Metadata: &common.Metadata{Hostname: "b"}, Data: []byte("x\n")})
	var out machine.LogChunk
	if err := proto.Unmarshal(annotateStream(raw, "n1"), &out); err != nil {
		t.Fatal(err)
	}
	if out.GetMetadata().GetNode() != "n1" || out.GetMetadata().GetHostname() != "b" || string(out.GetData()) != "x\n" {
		t.Errorf("annotated chunk = %v", &out)
	}
}

func FuzzAnnotateUnary(f *testing.F) {
	raw, _ := proto.Marshal(&machine.VersionResponse{Messages: []*machine.Version{{Mode: "x"}}})
	f.Add(raw)
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := annotateUnary(data, "n")
		if err != nil {
			return
		}
		if len(out) < len(data) {
			t.Errorf("annotateUnary shrank %d bytes to %d", len(data), len(out))
		}
	})
}
