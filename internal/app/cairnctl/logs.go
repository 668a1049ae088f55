package cairnctl

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
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
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("logs takes one service name, got %d argument(s): cairnctl logs SERVICE (cairnctl services lists them; cairnctl logs machined prints machined's own log)", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return streamLogs(cmd, g, func(ctx context.Context, c *client.Client) (logStream, error) {
				return c.Machine.Logs(ctx, &machine.LogsRequest{Id: args[0], Follow: f.follow, TailLines: f.tail})
			})
		},
	}
	cmd.Flags().BoolVarP(&f.follow, "follow", "f", false, "keep printing new lines")
	cmd.Flags().Int32Var(&f.tail, "tail", -1, "print only the last N lines first (-1: all kept)")
	return cmd
}

// logStream is a stream of log data, as logs and dmesg return it.
type logStream = receiver[*machine.LogChunk]

// streamLogs opens a log stream on the nodes and prints it as it comes.
func streamLogs(cmd *cobra.Command, g *globals, open func(context.Context, *client.Client) (logStream, error)) error {
	s, err := g.connect(nil)
	if err != nil {
		return err
	}
	defer s.Close()
	stream, err := open(s.ctx(cmd.Context()), s.c)
	if err != nil {
		return apiError(err)
	}
	prefix := len(s.nodes) > 1
	return drainNodes(stream, func(m *machine.LogChunk) error {
		return writeChunk(cmd, prefix, replyNode(m.GetMetadata()), m.GetData())
	})
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
