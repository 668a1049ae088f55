package cairnctl

import (
	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
)

func newMountsCmd(g *globals) *cobra.Command {
	var out printFlags
	cmd := &cobra.Command{
		Use:   "mounts",
		Short: "List the mounted file systems of the nodes",
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
			resp, err := s.c.Machine.Mounts(s.ctx(cmd.Context()), &common.Empty{})
			if err != nil {
				return apiError(err)
			}
			if done, err := out.structured(cmd.OutOrStdout(), resp); done {
				return err
			}
			var errs nodeErrors
			t := newTextTable(cmd.OutOrStdout(), "NODE", "FILESYSTEM", "SIZE", "AVAILABLE", "TYPE", "MOUNTED ON")
			for _, m := range checkAll(resp.GetMessages(), &errs) {
				for _, mt := range m.GetMounts() {
					size, avail := "-", "-"
					if mt.GetSize() > 0 {
						size, avail = bytesHuman(mt.GetSize()), bytesHuman(mt.GetAvailable())
					}
					t.row(replyNode(m.GetMetadata()), mt.GetDevice(), size, avail, mt.GetFstype(), mt.GetMountpoint())
				}
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
