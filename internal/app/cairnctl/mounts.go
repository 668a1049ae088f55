package cairnctl

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
)

func newMountsCmd(g *globals) *cobra.Command {
	return tableCall[*machine.MountsResponse, *machine.MountList]{
		headers: []string{"NODE", "FILESYSTEM", "SIZE", "AVAILABLE", "TYPE", "MOUNTED ON"},
		call: func(ctx context.Context, c *client.Client) (*machine.MountsResponse, error) {
			return c.Machine.Mounts(ctx, &common.Empty{})
		},
		rows: func(t *textTable, node string, m *machine.MountList) {
			for _, mt := range m.GetMounts() {
				size, avail := "-", "-"
				if mt.GetSize() > 0 {
					size, avail = bytesHuman(mt.GetSize()), bytesHuman(mt.GetAvailable())
				}
				t.row(node, mt.GetDevice(), size, avail, mt.GetFstype(), mt.GetMountpoint())
			}
		},
	}.command(g, "mounts", "List the mounted file systems of the nodes")
}
