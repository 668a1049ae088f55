package cairnctl

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

type configInfoFlags struct {
	output string
}

func newConfigInfoCmd(g *globals) *cobra.Command {
	f := &configInfoFlags{}
	cmd := &cobra.Command{
		Use:   "info",
		Short: "Show the current context (or --context): endpoints, nodes, identity, roles, expiry",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.run(cmd, g)
		},
	}
	outputFlag(cmd, &f.output)
	return cmd
}

func (f *configInfoFlags) run(cmd *cobra.Command, g *globals) error {
	c, err := g.loadClientConfig()
	if err != nil {
		return err
	}
	ctx, name, err := c.Get(g.context)
	if err != nil {
		return err
	}
	s := summarize(name, name == c.Context, ctx)
	if done, err := writeStructured(cmd.OutOrStdout(), f.output, s); done {
		return err
	}
	expires := "no client certificate"
	if !s.NotAfter.IsZero() {
		expires = s.NotAfter.Format(time.RFC3339)
		if left := time.Until(s.NotAfter); left > 0 {
			expires += fmt.Sprintf(" (in %s)", left.Truncate(time.Minute))
		} else {
			expires += " (EXPIRED)"
		}
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(),
		"Current context:     %s\nEndpoints:           %s\nNodes:               %s\nSubject:             %s\nRoles:               %s\nCertificate expires: %s\nFingerprint:         %s\nCA:                  %s\n",
		name, orNone(s.Endpoints), orNone(s.Nodes), s.Subject, orNone(s.Roles), expires, s.Fingerprint, s.CA)
	return err
}

// orNone joins a list, or says that it is empty.
func orNone(list []string) string {
	if len(list) == 0 {
		return "(none)"
	}
	return strings.Join(list, ", ")
}
