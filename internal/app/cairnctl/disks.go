package cairnctl

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
)

func newDisksCmd(g *globals) *cobra.Command {
	return tableCall[*machine.DisksResponse, *machine.DiskList]{
		headers: []string{"NODE", "DISK", "SIZE", "MODEL", "SERIAL", "ROTATIONAL", "READ-ONLY"},
		call: func(ctx context.Context, c *client.Client) (*machine.DisksResponse, error) {
			return c.Machine.Disks(ctx, &common.Empty{})
		},
		rows: func(t *textTable, node string, m *machine.DiskList) {
			for _, d := range m.GetDisks() {
				t.row(node, d.GetName(), bytesHuman(d.GetSize()), d.GetModel(), d.GetSerial(), yesNo(d.GetRotational()), yesNo(d.GetReadOnly()))
			}
		},
		insecure: true,
	}.command(g, "disks", "List the disks of the nodes (also in maintenance mode, with --insecure)")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
