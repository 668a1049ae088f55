package apid

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/api/trust"
)

func TestSummarize(t *testing.T) {
	tests := []struct {
		method string
		msg    proto.Message
		want   string
	}{
		{"/cairn.machine.MachineService/ApplyConfiguration", &machine.ApplyConfigurationRequest{Data: []byte("secret: x"), Mode: machine.ApplyConfigurationRequest_TRY, DryRun: true, TryTimeout: durationpb.New(90e9)},
			"data=<9 bytes> mode=TRY dry_run=true try_timeout={seconds=90}"},
		{"/cairn.machine.MachineService/Logs", &machine.LogsRequest{Id: "apid", Follow: true, TailLines: 5}, `id="apid" follow=true tail_lines=5`},
		{"/cairn.machine.MachineService/GenerateClientConfiguration", &machine.GenerateClientConfigurationRequest{Name: "bob", Roles: []string{"os:reader", "os:auditor"}},
			`name="bob" roles=["os:reader","os:auditor"]`},
		{"/cairn.machine.MachineService/Nope", &machine.LogsRequest{Id: "x"}, ""},
	}
	for _, tt := range tests {
		raw, _ := proto.Marshal(tt.msg)
		if got := summarize(lookup(tt.method), raw); got != tt.want {
			t.Errorf("summarize(%s) = %q, want %q", tt.method, got, tt.want)
		}
	}
}

// lookup is the method's descriptor, or nil for a method apid does not know (as in serve).
func lookup(method string) protoreflect.MethodDescriptor {
	desc, _ := lookupMethod(method)
	return desc
}

func TestSummarizeRedactsSecrets(t *testing.T) {
	raw, _ := proto.Marshal(&trust.CertificateRequest{Csr: []byte("x"), Token: "abcdef.0123456789abcdef"})
	got := summarizeMessage((&trust.CertificateRequest{}).ProtoReflect().Descriptor(), raw)
	if strings.Contains(got, "abcdef") || !strings.Contains(got, "token=<redacted>") {
		t.Errorf("summary %q shows the token", got)
	}
}

func FuzzSummarize(f *testing.F) {
	raw, _ := proto.Marshal(&machine.ApplyConfigurationRequest{Data: []byte("x"), Mode: machine.ApplyConfigurationRequest_STAGED})
	f.Add("/cairn.machine.MachineService/ApplyConfiguration", raw)
	f.Add("/cairn.resource.ResourceService/Get", []byte{0x0a, 0x02, 'm', 's'})
	f.Fuzz(func(t *testing.T, method string, data []byte) {
		if s := summarize(lookup(method), data); len(s) > maxSummary+3 {
			t.Errorf("summary of %d bytes is %d long", len(data), len(s))
		}
	})
}
