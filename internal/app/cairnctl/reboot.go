package cairnctl

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

func newRebootCmd(g *globals) *cobra.Command {
	return newLifecycleCmd(g, "reboot", "Reboot the nodes (in container mode: restart their services, simulated)",
		func(s *session, ctx context.Context) (*machine.ActionResponse, error) {
			return s.c.Machine.Reboot(ctx, &common.Empty{})
		})
}
