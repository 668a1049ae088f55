package cairnctl

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/user"
	"strings"
	"time"

	"github.com/spf13/cobra"

	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
	"github.com/cairn-os/cairn/pkg/machinery/role"
	"github.com/cairn-os/cairn/pkg/machinery/secrets"
)

type configNewFlags struct {
	roles   []string
	ttl     time.Duration
	secrets string
	name    string
	force   bool
}

func newConfigNewCmd(g *globals) *cobra.Command {
	f := &configNewFlags{}
	cmd := &cobra.Command{
		Use:   "new [FILE]",
		Short: "Issue a client certificate for given roles and write it as a new client configuration",
		Long: `Issue a client certificate (ClientAuth, roles in its Organization) and write a client
configuration holding it to FILE (default ./cairnconfig), with one context named --name whose
endpoints and nodes are the --endpoints and --nodes given. With --secrets the certificate is
signed offline by the OS API CA of that secrets bundle; without it the node is asked.
Known roles: ` + strings.Join(role.Strings(role.All()), ", ") + `.`,
		Example: `  cairnctl config new reader.cairnconfig --secrets secrets.yaml --roles os:reader --ttl 24h --name ci -e 10.5.0.2`,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := "cairnconfig"
			if len(args) == 1 {
				path = args[0]
			}
			return f.run(cmd.Context(), cmd, g, path)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&f.roles, "roles", []string{string(role.Reader)}, "roles of the certificate, comma separated")
	fl.DurationVar(&f.ttl, "ttl", 24*time.Hour, "lifetime of the certificate")
	fl.StringVar(&f.secrets, "secrets", "", "secrets bundle whose OS API CA signs the certificate offline")
	fl.StringVar(&f.name, "name", "", "the certificate's common name (who it is for; audit events name it) and the context's name (default: your login name)")
	fl.BoolVar(&f.force, "force", false, "overwrite FILE if it exists")
	return cmd
}

func (f *configNewFlags) run(ctx context.Context, cmd *cobra.Command, g *globals, path string) error {
	roles, err := role.ParseList(f.roles)
	if err != nil {
		return fmt.Errorf("--roles: %w", err)
	}
	if f.name == "" {
		f.name = defaultIdentity()
	}
	req := clientconfig.IssueRequest{Name: f.name, Roles: roles, TTL: f.ttl}
	issued, err := f.issue(ctx, g, req)
	if err != nil {
		return err
	}
	issued.Endpoints, issued.Nodes = g.endpoints, g.nodes
	c := clientconfig.New()
	if err := c.Add(f.name, issued, false); err != nil {
		return err
	}
	c.Context = f.name
	if err := c.Save(path, f.force); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists: pass --force to overwrite it", path)
		}
		return err
	}
	cert, err := pki.ParseCertificate(issued.Crt)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (mode %04o): context %q, roles %s, certificate valid until %s\n",
		path, clientconfig.FileMode, f.name, strings.Join(role.Strings(roles), ","), cert.NotAfter.Format(time.RFC3339))
	return err
}

// issue gets the new context's credentials: signed offline from the secrets bundle when
// --secrets is given, otherwise by a node of the current context (issueOnline).
func (f *configNewFlags) issue(ctx context.Context, g *globals, req clientconfig.IssueRequest) (*clientconfig.Context, error) {
	if f.secrets == "" {
		return issueOnline(ctx, g, req)
	}
	b, err := secrets.LoadFile(f.secrets)
	if err != nil {
		return nil, err
	}
	return clientconfig.Issue(b.Certs.OS, req)
}

// defaultIdentity is the login name of the user running cairnctl, without a Windows domain.
func defaultIdentity() string {
	u, err := user.Current()
	if err != nil || u.Username == "" {
		return "cairnctl"
	}
	name := u.Username
	if i := strings.LastIndexByte(name, '\\'); i >= 0 {
		name = name[i+1:]
	}
	return strings.Join(strings.Fields(name), "-")
}
