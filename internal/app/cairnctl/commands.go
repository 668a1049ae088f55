package cairnctl

import "github.com/spf13/cobra"

// commands lists the top-level commands. Add one line per command.
func commands(g *globals) []*cobra.Command {
	return []*cobra.Command{
		newVersionClientCmd(g),
		newGetCmd(g),
		newLogsCmd(g),
		newDmesgCmd(g),
		newLoggingCmd(g),
		newServicesCmd(g),
		newServiceCmd(g),
		newApplyConfigCmd(g),
		newRebootCmd(g),
		newShutdownCmd(g),
		newResetCmd(g),
		newUpgradeCmd(g),
		newRollbackCmd(g),
		newReadCmd(g),
		newLsCmd(g),
		newPsCmd(g),
		newMemoryCmd(g),
		newMountsCmd(g),
		newNetstatCmd(g),
		newDisksCmd(g),
		newEventsCmd(g),
		newAuditCmd(g),
		newHostnameCmd(g),
		newShowConfigCmd(g),
		newGenCmd(g),
		newConfigCmd(g),
		newImageCmd(g),
		newClusterCmd(g),
		newValidateCmd(g),
		newMachineConfigCmd(g),
		newBootstrapCmd(g),
		newKubeconfigCmd(g),
		newHealthCmd(g),
		newEtcdCmd(g),
		newEvidenceCmd(g),
	}
}
