package config

import (
	"errors"
	"fmt"
	"net/url"

	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// AdminName is the common name of the client certificate GenerateClientConfig issues.
const AdminName = "admin"

// GenerateClientConfig returns a cairnconfig with one context, named after the cluster, whose
// endpoint is the host of in.Endpoint and whose client certificate (common name "admin",
// role os:admin, valid for pki.DefaultLeafTTL) is signed by the OS API CA of in.Secrets.
func GenerateClientConfig(in GenerateInput) (*clientconfig.Config, error) {
	if in.Secrets == nil || in.Secrets.Certs.OS == nil {
		return nil, errors.New("generate client config: the secrets bundle has no OS CA")
	}
	u, err := url.Parse(in.Endpoint)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("generate client config: endpoint %q has no host", in.Endpoint)
	}
	ctx, err := clientconfig.Issue(in.Secrets.Certs.OS, clientconfig.IssueRequest{
		Name: AdminName, Roles: []role.Role{role.Admin}, TTL: pki.DefaultLeafTTL, Now: in.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("generate client config: %w", err)
	}
	ctx.Endpoints = []string{u.Hostname()}
	cc := clientconfig.New()
	if err := cc.Add(in.ClusterName, ctx, false); err != nil {
		return nil, fmt.Errorf("generate client config: %w", err)
	}
	cc.Context = in.ClusterName
	return cc, nil
}
