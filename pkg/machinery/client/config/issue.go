package config

import (
	"errors"
	"fmt"
	"time"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// IssueRequest describes a client certificate to sign from the OS API CA.
type IssueRequest struct {
	// Name is the certificate's common name: the person or system it is for, as audit events
	// will name it.
	Name string
	// Roles go in the certificate's Organization; at least one is required.
	Roles []role.Role
	// TTL is the certificate's lifetime; it must be positive.
	TTL time.Duration
	// Now is the issuing time; zero means time.Now().
	Now time.Time
}

// Issue signs a client certificate (ClientAuth) with the OS API CA and returns a context that
// presents it and trusts that CA, with no endpoints or nodes yet.
func Issue(osCA *pki.KeyPair, r IssueRequest) (*Context, error) {
	if r.Name == "" {
		return nil, errors.New("issue client certificate: a name is required")
	}
	if len(r.Roles) == 0 {
		return nil, errors.New("issue client certificate: at least one role is required")
	}
	if r.TTL <= 0 {
		return nil, fmt.Errorf("issue client certificate: ttl %s must be positive", r.TTL)
	}
	kp, err := osCA.Issue(pki.Request{
		CommonName:   r.Name,
		Organization: role.Strings(r.Roles),
		Usage:        pki.ClientAuth,
		TTL:          r.TTL,
		Now:          r.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("issue client certificate: %w", err)
	}
	return &Context{CA: osCA.CertPEM, Crt: kp.CertPEM, Key: kp.KeyPEM}, nil
}
