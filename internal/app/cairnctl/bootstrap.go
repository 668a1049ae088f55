package cairnctl

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
)

func newBootstrapCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "bootstrap",
		Short: "Initialise etcd and the Kubernetes control plane on one control-plane node, once per cluster",
		Long: `Initialise the cluster: the target control-plane node creates etcd as a one-member cluster and
starts the Kubernetes control plane on it; the other nodes then join. Run it once, against exactly
one control-plane node (--nodes, or the endpoint itself). It needs the os:admin role.

The node refuses, and changes nothing, when it is a worker, has no configuration yet, or is
already bootstrapped. The call returns once the node accepted it; follow the start with
cairnctl health --wait 10m.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(g.nodes) > 1 {
				return fmt.Errorf("bootstrap runs on exactly one control-plane node, not %d: name one with --nodes", len(g.nodes))
			}
			return runAction(cmd, g, nil, func(ctx context.Context, c *client.Client) (*machine.ActionResponse, error) {
				return c.Machine.Bootstrap(ctx, &machine.BootstrapRequest{})
			})
		},
	}
}
