package cairnctl

import "github.com/spf13/cobra"

// newMachineConfigCmd builds `cairnctl machineconfig`; its subcommands work on machine
// configuration files offline.
func newMachineConfigCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "machineconfig",
		Aliases: []string{"mc"},
		Short:   "Work with machine configuration files",
		Args:    cobra.NoArgs,
	}
	cmd.AddCommand(newMachineConfigPatchCmd(g))
	return cmd
}
