package machined

import (
	"context"
	"time"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// Bounds of a client certificate's lifetime.
const (
	defaultClientTTL = 24 * time.Hour
	maxClientTTL     = 365 * 24 * time.Hour
)

// GenerateClientConfiguration issues a client certificate with the requested roles (never the
// node-proxy role) from the OS CA.
func (a *machineAPI) GenerateClientConfiguration(_ context.Context, r *machine.GenerateClientConfigurationRequest) (*machine.GenerateClientConfigurationResponse, error) {
	if r.GetName() == "" {
		return nil, apierr.Invalid("name: the certificate's common name is required")
	}
	roles, err := role.ParseList(r.GetRoles())
	if err != nil {
		return nil, apierr.Invalid("roles: %v", err)
	}
	ttl := defaultClientTTL
	if r.GetTtl() != nil {
		ttl = r.GetTtl().AsDuration()
	}
	if ttl <= 0 || ttl > maxClientTTL {
		return nil, apierr.Invalid("ttl: %s is not between 0 and %s", ttl, maxClientTTL)
	}
	cfg := a.n.config()
	if cfg == nil {
		return nil, apierr.Precondition("the node has no configuration (maintenance mode)")
	}
	if len(cfg.Machine.CA.Key) == 0 {
		return nil, apierr.Precondition("this node does not hold the OS CA key: ask a control-plane node")
	}
	ca, err := pki.ParseKeyPair(cfg.Machine.CA.Crt, cfg.Machine.CA.Key)
	if err != nil {
		return nil, err
	}
	issued, err := clientconfig.Issue(ca, clientconfig.IssueRequest{Name: r.GetName(), Roles: roles, TTL: ttl})
	if err != nil {
		return nil, apierr.Invalid("%v", err)
	}
	return &machine.GenerateClientConfigurationResponse{Messages: []*machine.ClientConfiguration{{
		Metadata: a.n.md(), Ca: issued.CA, Crt: issued.Crt, Key: issued.Key,
	}}}, nil
}
