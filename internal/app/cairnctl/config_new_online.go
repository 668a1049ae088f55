package cairnctl

import (
	"context"
	"errors"

	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
)

// issueOnline asks a node of the current context to sign a client certificate
// (MachineService.GenerateClientConfiguration). Until the API client exists it refuses.
func issueOnline(_ context.Context, _ *globals, _ clientconfig.IssueRequest) (*clientconfig.Context, error) {
	return nil, errors.New("config new without --secrets asks a node, which this cairnctl cannot do yet: pass --secrets FILE to sign offline")
}
