package cairnctl

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
)

func newRebootCmd(g *globals) *cobra.Command {
	return newLifecycleCmd(g, "reboot", "Reboot the nodes (in container mode: restart their services, simulated)",
		func(ctx context.Context, c *client.Client) (*machine.ActionResponse, error) {
			return c.Machine.Reboot(ctx, &common.Empty{})
		})
}
