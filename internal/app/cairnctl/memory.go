package cairnctl

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
)

func newMemoryCmd(g *globals) *cobra.Command {
	var out printFlags
	cmd := &cobra.Command{
		Use:   "memory",
		Short: "Show the memory use and load average of the nodes",
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
			ctx := s.ctx(cmd.Context())
			resp, err := s.c.Machine.Memory(ctx, &common.Empty{})
			if err != nil {
				return apiError(err)
			}
			if done, err := out.structured(cmd.OutOrStdout(), resp); done {
				return err
			}
			load, err := s.c.Machine.LoadAvg(ctx, &common.Empty{})
			if err != nil {
				return apiError(err)
			}
			loads := map[string]string{}
			for _, l := range load.GetMessages() {
				loads[replyNode(l.GetMetadata())] = fmt.Sprintf("%.2f %.2f %.2f", l.GetLoad1(), l.GetLoad5(), l.GetLoad15())
			}
			var errs nodeErrors
			t := newTextTable(cmd.OutOrStdout(), "NODE", "TOTAL", "USED", "FREE", "AVAILABLE", "BUFFERS", "CACHED", "SWAP", "LOAD")
			for _, m := range checkAll(resp.GetMessages(), &errs) {
				mi := m.GetMeminfo()
				t.row(replyNode(m.GetMetadata()), bytesHuman(mi.GetTotal()), bytesHuman(mi.GetTotal()-mi.GetAvailable()),
					bytesHuman(mi.GetFree()), bytesHuman(mi.GetAvailable()), bytesHuman(mi.GetBuffers()), bytesHuman(mi.GetCached()),
					bytesHuman(mi.GetSwapTotal()-mi.GetSwapFree())+"/"+bytesHuman(mi.GetSwapTotal()), loads[replyNode(m.GetMetadata())])
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
