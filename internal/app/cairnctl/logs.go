package cairnctl

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

type logsFlags struct {
	follow bool
	tail   int32
}

func newLogsCmd(g *globals) *cobra.Command {
	f := &logsFlags{}
	cmd := &cobra.Command{
		Use:     "logs SERVICE",
		Short:   "Print the log of a service, or of machined itself (logs machined)",
		Example: "  cairnctl logs apid -f --tail 20",
		Args:    cobra.ExactArgs(1),
		RunE:    func(cmd *cobra.Command, args []string) error { return f.run(cmd, g, args[0]) },
	}
	cmd.Flags().BoolVarP(&f.follow, "follow", "f", false, "keep printing new lines")
	cmd.Flags().Int32Var(&f.tail, "tail", -1, "print only the last N lines first (-1: all kept)")
	return cmd
}

func (f *logsFlags) run(cmd *cobra.Command, g *globals, id string) error {
	s, err := g.connect(nil)
	if err != nil {
		return err
	}
	defer s.Close()
	stream, err := s.c.Machine.Logs(s.ctx(cmd.Context()), &machine.LogsRequest{Id: id, Follow: f.follow, TailLines: f.tail})
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
}

// writeChunk prints log data, prefixed with its node when several nodes answer.
func writeChunk(cmd *cobra.Command, prefix bool, node string, data []byte) error {
	if prefix {
		_, err := fmt.Fprintf(cmd.OutOrStdout(), "%s: %s", node, data)
		return err
	}
	_, err := cmd.OutOrStdout().Write(data)
	return err
}
