package cairnctl

import (
	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

func newReadCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "read PATH",
		Short: "Print a file of the nodes (only paths in the node's allowlist, never keys)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := g.connect(nil)
			if err != nil {
				return err
			}
			defer s.Close()
			resp, err := s.c.Machine.Read(s.ctx(cmd.Context()), &machine.ReadRequest{Path: args[0]})
			if err != nil {
				return apiError(err)
			}
			return eachNode(resp.GetMessages(), func(m *machine.FileContent) error {
				return writeChunk(cmd, len(s.nodes) > 1, replyNode(m.GetMetadata()), m.GetData())
			})
		},
	}
}
