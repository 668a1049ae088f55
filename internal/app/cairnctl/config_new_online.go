package cairnctl

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// issueOnline asks a node of the current context to sign a client certificate
// (MachineService.GenerateClientConfiguration, os:admin only).
func issueOnline(ctx context.Context, g *globals, req clientconfig.IssueRequest) (*clientconfig.Context, error) {
	s, err := g.connect(nil)
	if err != nil {
		return nil, fmt.Errorf("ask a node to sign the certificate: %w (or pass --secrets FILE to sign offline)", err)
	}
	defer s.Close()
	// The certificate comes from one node: the endpoint itself, whatever --nodes says.
	resp, err := s.c.Machine.GenerateClientConfiguration(ctx, &machine.GenerateClientConfigurationRequest{
		Name: req.Name, Roles: role.Strings(req.Roles), Ttl: durationpb.New(req.TTL),
	})
	if err != nil {
		return nil, apiError(err)
	}
	m, err := oneReply(resp.GetMessages(), "GenerateClientConfiguration")
	if err != nil {
		return nil, err
	}
	return &clientconfig.Context{CA: m.GetCa(), Crt: m.GetCrt(), Key: m.GetKey()}, nil
}
