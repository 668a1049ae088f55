package cairnctl

import (
	"github.com/spf13/cobra"

	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
)

func newConfigNodeCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "node [NODE...]",
		Aliases: []string{"nodes"},
		Short:   "Set the default target nodes of the current context (or --context); none clears them",
		Example: `  cairnctl config node 10.5.0.2`,
		Args:    cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.setContextList(cmd, "nodes", args, func(ctx *clientconfig.Context) { ctx.Nodes = args })
		},
	}
}
