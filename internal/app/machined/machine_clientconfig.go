package machined

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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

// maxClientNameLen is the longest common name X.509 allows (ub-common-name).
const maxClientNameLen = 64

// checkClientName refuses a common name that would be shown wrongly wherever callers are named
// (audit log, tables): empty, too long, not UTF-8, or holding a control or format character
// such as a newline, an ANSI escape or a bidirectional override.
func checkClientName(name string) error {
	switch {
	case name == "":
		return apierr.Invalid("name: the certificate's common name is required")
	case len(name) > maxClientNameLen:
		return apierr.Invalid("name: %q is %d bytes, more than %d", name, len(name), maxClientNameLen)
	case !utf8.ValidString(name):
		return apierr.Invalid("name: %q is not UTF-8", name)
	}
	if i := strings.IndexFunc(name, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }); i >= 0 {
		return apierr.Invalid("name: %q holds a control character at byte %d", name, i)
	}
	return nil
}

// GenerateClientConfiguration issues a client certificate with the requested roles (never the
// node-proxy role) from the OS CA.
func (a *machineAPI) GenerateClientConfiguration(_ context.Context, r *machine.GenerateClientConfigurationRequest) (*machine.GenerateClientConfigurationResponse, error) {
	if err := checkClientName(r.GetName()); err != nil {
		return nil, err
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
