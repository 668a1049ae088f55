package cairnctl

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
)

func newConfigEndpointCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "endpoint ENDPOINT...",
		Aliases: []string{"endpoints"},
		Short:   "Set the API endpoints of the current context (or --context)",
		Example: `  cairnctl config endpoint 10.5.0.2 10.5.0.3`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.setContextList(cmd, "endpoints", args, func(ctx *clientconfig.Context) { ctx.Endpoints = args })
		},
	}
}

// setContextList changes one list of the selected context, saves, and says what it did.
func (g *globals) setContextList(cmd *cobra.Command, what string, values []string, set func(*clientconfig.Context)) error {
	var name string
	err := g.editClientConfig(false, func(c *clientconfig.Config) error {
		ctx, n, err := c.Get(g.context)
		if err != nil {
			return err
		}
		set(ctx)
		name = n
		return nil
	})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "context %q: %s set to [%s]\n", name, what, strings.Join(values, ", "))
	return err
}
