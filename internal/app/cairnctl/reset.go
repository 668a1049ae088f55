package cairnctl

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
)

func newResetCmd(g *globals) *cobra.Command {
	cmd := newLifecycleCmd(g, "reset", "Wipe the nodes' configuration and state and reboot them",
		func(ctx context.Context, c *client.Client) (*machine.ActionResponse, error) {
			return c.Machine.Reset(ctx, &machine.ResetRequest{Graceful: true})
		})
	cmd.Long = `Wipe the nodes' configuration and state and reboot them. Without a configuration source
(--config in container mode) a node comes back in maintenance mode. The reset keeps the audit
log only where STATE is persistent (container mode with --state on disk): where STATE is held
in memory, as on today's VMs, every reboot loses the configuration and the audit log.`
	return cmd
}
