package cairnctl

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
)

func newShutdownCmd(g *globals) *cobra.Command {
	return newLifecycleCmd(g, "shutdown", "Shut the nodes down (in container mode: machined stops its services and exits)",
		func(ctx context.Context, c *client.Client) (*machine.ActionResponse, error) {
			return c.Machine.Shutdown(ctx, &common.Empty{})
		})
}
