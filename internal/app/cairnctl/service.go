package cairnctl

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"google.golang.org/grpc"

	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
)

func newServiceCmd(g *globals) *cobra.Command {
	f := &servicesFlags{}
	cmd := &cobra.Command{
		Use:   "service SERVICE [status|start|stop|restart]",
		Short: "Show, start, stop or restart one service on the nodes",
		Long: `Show the state of one service (the default), or start, stop or restart it. apid, the API
daemon itself, cannot be stopped (restart it instead).`,
		Example: "  cairnctl service trustd restart -n 127.0.0.2",
		Args:    cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			action := "status"
			if len(args) == 2 {
				action = args[1]
			}
			if action == "status" {
				return f.run(cmd, g, args[0])
			}
			return serviceAction(cmd, g, args[0], action)
		},
	}
	f.out.register(cmd)
	return cmd
}

type serviceCall func(machine.MachineServiceClient, context.Context, *machine.ServiceRequest, ...grpc.CallOption) (*machine.ActionResponse, error)

var serviceActions = map[string]serviceCall{
	"start":   machine.MachineServiceClient.ServiceStart,
	"stop":    machine.MachineServiceClient.ServiceStop,
	"restart": machine.MachineServiceClient.ServiceRestart,
}

func serviceAction(cmd *cobra.Command, g *globals, id, action string) error {
	call, ok := serviceActions[action]
	if !ok {
		return fmt.Errorf("action %q: want status, start, stop or restart", action)
	}
	return runAction(cmd, g, nil, func(ctx context.Context, c *client.Client) (*machine.ActionResponse, error) {
		return call(c.Machine, ctx, &machine.ServiceRequest{Id: id})
	})
}
