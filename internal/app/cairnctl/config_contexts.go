package cairnctl

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

type configContextsFlags struct {
	output string
}

func newConfigContextsCmd(g *globals) *cobra.Command {
	f := &configContextsFlags{}
	cmd := &cobra.Command{
		Use:   "contexts",
		Short: "List the contexts of the client configuration",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.run(cmd, g)
		},
	}
	outputFlag(cmd, &f.output)
	return cmd
}

// contextSummary is what `config contexts` and `config info` show of a context: never a key.
type contextSummary struct {
	Name        string    `json:"name" yaml:"name"`
	Current     bool      `json:"current" yaml:"current"`
	Endpoints   []string  `json:"endpoints" yaml:"endpoints"`
	Nodes       []string  `json:"nodes" yaml:"nodes"`
	Subject     string    `json:"subject,omitempty" yaml:"subject,omitempty"`
	Roles       []string  `json:"roles" yaml:"roles"`
	NotAfter    time.Time `json:"notAfter,omitzero" yaml:"notAfter,omitempty"`
	Fingerprint string    `json:"fingerprint,omitempty" yaml:"fingerprint,omitempty"`
	CA          string    `json:"ca,omitempty" yaml:"ca,omitempty"`
}

// summarize describes a context, reading what it can from its certificates.
func summarize(name string, current bool, ctx *clientconfig.Context) contextSummary {
	s := contextSummary{Name: name, Current: current, Endpoints: ctx.Endpoints, Nodes: ctx.Nodes, Roles: []string{}}
	if s.Endpoints == nil {
		s.Endpoints = []string{}
	}
	if s.Nodes == nil {
		s.Nodes = []string{}
	}
	if cert, err := pki.ParseCertificate(ctx.Crt); err == nil {
		s.Subject = cert.Subject.CommonName
		s.Roles = role.Strings(role.FromOrganization(cert.Subject.Organization))
		s.NotAfter = cert.NotAfter
		s.Fingerprint = pki.Fingerprint(cert)
	}
	if ca, err := pki.ParseCertificate(ctx.CA); err == nil {
		s.CA = ca.Subject.CommonName + " " + pki.Fingerprint(ca)
	}
	return s
}

func (f *configContextsFlags) run(cmd *cobra.Command, g *globals) error {
	c, err := g.loadClientConfig()
	if err != nil {
		return err
	}
	list := make([]contextSummary, 0, len(c.Contexts))
	for _, name := range c.Names() {
		list = append(list, summarize(name, name == c.Context, c.Contexts[name]))
	}
	if done, err := writeStructured(cmd.OutOrStdout(), f.output, list); done {
		return err
	}
	// The tabwriter reports write errors from Flush.
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "CURRENT\tNAME\tENDPOINTS\tNODES\tROLES")
	for _, s := range list {
		mark := ""
		if s.Current {
			mark = "*"
		}
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", mark, s.Name, strings.Join(s.Endpoints, ","), strings.Join(s.Nodes, ","), strings.Join(s.Roles, ","))
	}
	return tw.Flush()
}
