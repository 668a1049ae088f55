package cairnctl

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
)

func newLoggingCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "logging",
		Short: "Show where the nodes send their logs and audit events",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newLoggingStatusCmd(g))
	return cmd
}

type loggingStatusFlags struct{ out printFlags }

func newLoggingStatusCmd(g *globals) *cobra.Command {
	f := &loggingStatusFlags{}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show each log destination: connection, last error, queue, sent and dropped entries",
		Long: `Show each log destination of the nodes (machine.logging.destinations): its connection state,
its last error, how many entries wait in its queue and since when, and how many were sent,
sent again after a failure, acknowledged (the receiver confirmed it read them) and dropped
(the queue was full; a gap entry told the receiver which).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd, g) },
	}
	f.out.register(cmd)
	return cmd
}

func (f *loggingStatusFlags) run(cmd *cobra.Command, g *globals) error {
	return tableCall[*machine.LoggingStatusResponse, *machine.LoggingStatus]{
		headers: []string{"NODE", "ENDPOINT", "STATE", "QUEUED", "OLDEST", "SENT", "RESENT", "ACKED", "DROPPED", "LAST ERROR"},
		call: func(ctx context.Context, c *client.Client) (*machine.LoggingStatusResponse, error) {
			return c.Machine.LoggingStatus(ctx, &common.Empty{})
		},
		rows: func(t *textTable, node string, m *machine.LoggingStatus) {
			if len(m.GetDestinations()) == 0 {
				t.row(node, "(none configured)", "", "", "", "", "", "", "", "")
			}
			for _, d := range m.GetDestinations() {
				t.row(node, d.GetEndpoint(), d.GetState(), fmt.Sprint(d.GetQueueEntries()), age(d.GetOldestQueued()),
					fmt.Sprint(d.GetSent()), fmt.Sprint(d.GetResent()), fmt.Sprint(d.GetAcknowledged()), fmt.Sprint(d.GetDropped()),
					lastError(d))
			}
		},
	}.run(cmd, g, nil, &f.out)
}

// age is how long ago t was, "-" when unset.
func age(t *timestamppb.Timestamp) string {
	if t == nil {
		return "-"
	}
	return time.Since(t.AsTime()).Round(time.Second).String()
}

func lastError(d *machine.LogDestinationStatus) string {
	if d.GetLastError() == "" {
		return ""
	}
	return strings.TrimSpace(d.GetLastError()) + " (" + age(d.GetLastErrorTime()) + " ago)"
}
