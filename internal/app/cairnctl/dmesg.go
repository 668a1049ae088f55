package cairnctl

import (
	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

func newDmesgCmd(g *globals) *cobra.Command {
	f := &logsFlags{}
	cmd := &cobra.Command{
		Use:   "dmesg",
		Short: "Print the kernel log of the nodes",
		Long: `Print the kernel log (/dev/kmsg). A node in container mode usually cannot read its host's
kernel log and answers Unavailable, saying why.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := g.connect(nil)
			if err != nil {
				return err
			}
			defer s.Close()
			stream, err := s.c.Machine.Dmesg(s.ctx(cmd.Context()), &machine.DmesgRequest{Follow: f.follow, TailLines: f.tail})
			if err != nil {
				return apiError(err)
			}
			var errs nodeErrors
			prefix := len(s.nodes) > 1
			if err := drain(stream, &errs, func(m *machine.LogChunk) error {
				return writeChunk(cmd, prefix, replyNode(m.GetMetadata()), m.GetData())
			}); err != nil {
				return err
			}
			return errs.err()
		},
	}
	cmd.Flags().BoolVarP(&f.follow, "follow", "f", false, "keep printing new messages")
	cmd.Flags().Int32Var(&f.tail, "tail", -1, "print only the last N messages first (-1: all)")
	return cmd
}
