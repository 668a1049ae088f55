package cairnctl

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
)

func newResetCmd(g *globals) *cobra.Command {
	var wipe string
	graceful := true
	cmd := &cobra.Command{
		Use:   "reset",
		Short: "Wipe the nodes' configuration and state, or their /var, and reboot them",
		Long: `Wipe what --wipe names and reboot the nodes.

  --wipe system (the default): STATE, the configuration and node identity; the audit log stays.
      Without a configuration source (cairn.config=, --config in container mode) a node comes
      back in maintenance mode.
  --wipe user: EPHEMERAL, the node's /var (containerd's images, etcd's data, the kubelet's
      state), formatted at the next boot; the configuration stays.
  --wipe all: both, the audit log included.

user and all need a node booted from a disk: elsewhere /var is in memory and every reboot
empties it, and the node refuses. The audit log survives a system reset only where STATE is
persistent (a node booted from a disk, or container mode with --state on disk).

--graceful (the default): on a control-plane node whose etcd has started, its member first
leaves the etcd cluster (another member removes it). The reset is refused, and nothing changes,
when that would lose quorum, when it is etcd's last voting member (the cluster would end with
it) or when etcd does not answer; --graceful=false then resets it without leaving (remove its
member afterwards with cairnctl etcd remove-member; take cairnctl etcd snapshot first).`,
		Example: `  cairnctl reset --nodes 10.5.0.3
  cairnctl reset --wipe user --nodes 10.5.0.3`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w, err := parseWipe(wipe)
			if err != nil {
				return err
			}
			return runAction(cmd, g, nil, func(ctx context.Context, c *client.Client) (*machine.ActionResponse, error) {
				return c.Machine.Reset(ctx, &machine.ResetRequest{Graceful: graceful, Wipe: w})
			})
		},
	}
	cmd.Flags().StringVar(&wipe, "wipe", "system", "what to wipe: system (STATE), user (EPHEMERAL, /var) or all")
	cmd.Flags().BoolVar(&graceful, "graceful", true, "on a control-plane node, leave etcd first (refused where that would lose quorum)")
	return cmd
}

// parseWipe reads --wipe.
func parseWipe(s string) (machine.ResetRequest_Wipe, error) {
	v, ok := machine.ResetRequest_Wipe_value[strings.ToUpper(s)]
	if !ok || strings.ToLower(s) != s {
		return 0, fmt.Errorf("--wipe %q: want system, user or all", s)
	}
	return machine.ResetRequest_Wipe(v), nil
}
