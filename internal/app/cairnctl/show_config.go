package cairnctl

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

func newShowConfigCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "show-config",
		Short: "Print the machine configuration of the nodes (secrets redacted unless you are os:admin)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := g.connect(nil)
			if err != nil {
				return err
			}
			defer s.Close()
			resp, err := s.c.Machine.GetConfiguration(s.ctx(cmd.Context()), &common.Empty{})
			if err != nil {
				return apiError(err)
			}
			w := cmd.OutOrStdout()
			return eachNode(resp.GetMessages(), func(m *machine.Configuration) error {
				note := ""
				if m.GetRedacted() {
					note = " (secrets redacted)"
				}
				_, err := fmt.Fprintf(w, "# node %s%s\n%s", replyNode(m.GetMetadata()), note, m.GetData())
				return err
			})
		},
	}
}
