package cairnctl

import (
	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
)

func newDisksCmd(g *globals) *cobra.Command {
	var out printFlags
	var ins insecureFlags
	cmd := &cobra.Command{
		Use:   "disks",
		Short: "List the disks of the nodes (also in maintenance mode, with --insecure)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.check(); err != nil {
				return err
			}
			s, err := g.connect(&ins)
			if err != nil {
				return err
			}
			defer s.Close()
			resp, err := s.c.Machine.Disks(s.ctx(cmd.Context()), &common.Empty{})
			if err != nil {
				return apiError(err)
			}
			if done, err := out.structured(cmd.OutOrStdout(), resp); done {
				return err
			}
			var errs nodeErrors
			t := newTextTable(cmd.OutOrStdout(), "NODE", "DISK", "SIZE", "MODEL", "SERIAL", "ROTATIONAL", "READ-ONLY")
			for _, m := range checkAll(resp.GetMessages(), &errs) {
				for _, d := range m.GetDisks() {
					t.row(replyNode(m.GetMetadata()), d.GetName(), bytesHuman(d.GetSize()), d.GetModel(), d.GetSerial(), yesNo(d.GetRotational()), yesNo(d.GetReadOnly()))
				}
			}
			if err := t.flush(); err != nil {
				return err
			}
			return errs.err()
		},
	}
	ins.register(cmd)
	out.register(cmd)
	return cmd
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
