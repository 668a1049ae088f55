package cairnctl

import (
	"fmt"

	"github.com/spf13/cobra"

	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
)

func newConfigContextCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "context NAME",
		Short: "Switch the current context",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			err := g.editClientConfig(false, func(c *clientconfig.Config) error { return c.Use(args[0]) })
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "current context is now %q\n", args[0])
			return err
		},
	}
}
