package cairnctl

import "github.com/spf13/cobra"

// commands lists the top-level commands. Add one line per command.
func commands(g *globals) []*cobra.Command {
	return []*cobra.Command{
		newVersionClientCmd(g),
		newGenCmd(g),
		newConfigCmd(g),
		newImageCmd(g),
		newValidateCmd(g),
		newMachineConfigCmd(g),
	}
}
