package cairnctl

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
)

func newHostnameCmd(g *globals) *cobra.Command {
	return tableCall[*machine.HostnameResponse, *machine.Hostname]{
		headers: []string{"NODE", "HOSTNAME"},
		call: func(ctx context.Context, c *client.Client) (*machine.HostnameResponse, error) {
			return c.Machine.Hostname(ctx, &common.Empty{})
		},
		rows: func(t *textTable, node string, m *machine.Hostname) { t.row(node, m.GetHostname()) },
	}.command(g, "hostname", "Print the host names of the nodes")
}
