package cairnctl

import "github.com/spf13/cobra"

// newGenCmd builds `cairnctl gen`. Each subcommand lives in its own file: gen_secrets.go and
// gen_config.go (newGenConfigCmd), gen_image_key.go.
func newGenCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "gen",
		Short: "Generate cluster secrets and configurations",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(
		newGenSecretsCmd(g),
		newGenConfigCmd(g),
		newGenImageKeyCmd(g),
	)
	return cmd
}
