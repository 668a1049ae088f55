package cairnctl

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
)

func newNetstatCmd(g *globals) *cobra.Command {
	var listening bool
	cmd := tableCall[*machine.NetstatResponse, *machine.ConnectionList]{
		headers: []string{"NODE", "PROTO", "LOCAL", "REMOTE", "STATE", "UID", "INODE"},
		call: func(ctx context.Context, c *client.Client) (*machine.NetstatResponse, error) {
			return c.Machine.Netstat(ctx, &common.Empty{})
		},
		rows: func(t *textTable, node string, m *machine.ConnectionList) {
			for _, c := range m.GetConnections() {
				if listening && c.GetState() != "LISTEN" && c.GetState() != "UNCONN" {
					continue
				}
				t.row(node, c.GetProtocol(), c.GetLocal(), c.GetRemote(), c.GetState(), fmt.Sprint(c.GetUid()), fmt.Sprint(c.GetInode()))
			}
		},
	}.command(g, "netstat", "List the TCP and UDP sockets of the nodes")
	cmd.Flags().BoolVarP(&listening, "listening", "l", false, "show only listening sockets")
	return cmd
}
