package cairnctl

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
)

func newDmesgCmd(g *globals) *cobra.Command {
	f := &logsFlags{}
	cmd := &cobra.Command{
		Use:   "dmesg",
		Short: "Print the kernel log of the nodes",
		Long: `Print the kernel log (/dev/kmsg). A node in container mode usually cannot read its host's
kernel log and answers Unavailable, saying why.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return streamLogs(cmd, g, func(ctx context.Context, c *client.Client) (logStream, error) {
				return c.Machine.Dmesg(ctx, &machine.DmesgRequest{Follow: f.follow, TailLines: f.tail})
			})
		},
	}
	cmd.Flags().BoolVarP(&f.follow, "follow", "f", false, "keep printing new messages")
	cmd.Flags().Int32Var(&f.tail, "tail", -1, "print only the last N messages first (-1: all)")
	return cmd
}
