package cairnctl

import (
	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
)

func newHostnameCmd(g *globals) *cobra.Command {
	var out printFlags
	cmd := &cobra.Command{
		Use:   "hostname",
		Short: "Print the host names of the nodes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.check(); err != nil {
				return err
			}
			s, err := g.connect(nil)
			if err != nil {
				return err
			}
			defer s.Close()
			resp, err := s.c.Machine.Hostname(s.ctx(cmd.Context()), &common.Empty{})
			if err != nil {
				return apiError(err)
			}
			if done, err := out.structured(cmd.OutOrStdout(), resp); done {
				return err
			}
			var errs nodeErrors
			t := newTextTable(cmd.OutOrStdout(), "NODE", "HOSTNAME")
			for _, m := range checkAll(resp.GetMessages(), &errs) {
				t.row(replyNode(m.GetMetadata()), m.GetHostname())
			}
			if err := t.flush(); err != nil {
				return err
			}
			return errs.err()
		},
	}
	out.register(cmd)
	return cmd
}
