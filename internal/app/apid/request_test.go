package apid

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

func applyDesc() protoreflect.MethodDescriptor {
	return machine.File_machine_machine_proto.Services().ByName("MachineService").Methods().ByName("ApplyConfiguration")
}

func TestCheckRequest(t *testing.T) {
	good, err := proto.Marshal(&machine.ApplyConfigurationRequest{Data: []byte("x: 1"), DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		raw  []byte
		want codes.Code
	}{
		{"valid", good, codes.OK},
		{"empty", nil, codes.OK},
		{"truncated length", []byte{0x0a, 0xff, 0xff}, codes.InvalidArgument},
		{"bad tag", []byte{0xff}, codes.InvalidArgument},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := checkRequest(applyDesc(), tt.raw); status.Code(err) != tt.want {
				t.Errorf("checkRequest(%x) = %v, want %v", tt.raw, err, tt.want)
			}
		})
	}
}

// FuzzCheckRequest: checkRequest accepts exactly the bytes machined's generated code decodes.
func FuzzCheckRequest(f *testing.F) {
	good, _ := proto.Marshal(&machine.ApplyConfigurationRequest{Data: []byte("x: 1"), DryRun: true})
	f.Add(good)
	f.Add([]byte{0x0a, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, raw []byte) {
		got := checkRequest(applyDesc(), raw)
		want := proto.Unmarshal(raw, &machine.ApplyConfigurationRequest{})
		if (got == nil) != (want == nil) {
			t.Errorf("checkRequest(%x) = %v, generated code says %v", raw, got, want)
		}
	})
}
