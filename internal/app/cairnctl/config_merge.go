package cairnctl

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
)

func newConfigMergeCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "merge FILE",
		Short: "Merge the contexts of another client configuration into this one",
		Long: `Merge the contexts of FILE into the client configuration (created if missing). A context
whose name is taken by a different context is renamed NAME-1 (NAME-2, ...); one identical to
an existing context is not added twice. FILE's current context becomes current.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			other, err := clientconfig.Load(args[0])
			if err != nil {
				return err
			}
			var renames []clientconfig.Rename
			var current string
			err = g.editClientConfig(true, func(c *clientconfig.Config) error {
				renames = c.Merge(other)
				current = c.Context
				return nil
			})
			if err != nil {
				return err
			}
			var msg strings.Builder
			for _, r := range renames {
				fmt.Fprintf(&msg, "context %q renamed to %q\n", r.From, r.To)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%smerged %d context(s) from %s; current context is %q\n", msg.String(), len(other.Contexts), args[0], current)
			return err
		},
	}
}
