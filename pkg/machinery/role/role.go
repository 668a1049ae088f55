// Package role names the roles of the Cairn API. A client's roles travel in the Organization of
// its client certificate; each API method allows an explicit set of them.
package role

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Role is one API role, such as "os:admin".
type Role string

// The roles of the Cairn API.
const (
	// Admin may do everything, including reading secrets.
	Admin Role = "os:admin"
	// Operator manages the node's lifecycle but cannot read secrets.
	Operator Role = "os:operator"
	// Reader has read-only access without secrets.
	Reader Role = "os:reader"
	// Auditor may read only the evidence and audit stream.
	Auditor Role = "os:auditor"
	// EtcdBackup may take etcd snapshots.
	EtcdBackup Role = "os:etcd:backup"
)

// all lists every role, most privileged first.
var all = []Role{Admin, Operator, Reader, Auditor, EtcdBackup}

// All returns every known role, most privileged first.
func All() []Role { return slices.Clone(all) }

// ErrUnknown is wrapped by the error for a name that is not a known role.
var ErrUnknown = errors.New("unknown role")

// Parse returns the role with the given name.
func Parse(name string) (Role, error) {
	r := Role(strings.TrimSpace(name))
	if slices.Contains(all, r) {
		return r, nil
	}
	return "", fmt.Errorf("%w %q (known roles: %s)", ErrUnknown, name, strings.Join(Strings(all), ", "))
}

// ParseList parses role names, each of which may itself be a comma-separated list, and returns
// them in the order given without duplicates. It reports every unknown name, and an empty list.
func ParseList(names []string) ([]Role, error) {
	var out []Role
	var errs []error
	for _, n := range names {
		for part := range strings.SplitSeq(n, ",") {
			r, err := Parse(part)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	if len(errs) == 0 && len(out) == 0 {
		errs = append(errs, errors.New("no roles given"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// FromOrganization returns the known roles among a certificate's Organization values and
// ignores the rest.
func FromOrganization(orgs []string) []Role {
	var out []Role
	for _, o := range orgs {
		if r := Role(o); slices.Contains(all, r) && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// Strings returns the names of roles.
func Strings(roles []Role) []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = string(r)
	}
	return out
}
