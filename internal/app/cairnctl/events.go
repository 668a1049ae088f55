package cairnctl

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

type eventsFlags struct {
	tail     int32
	duration time.Duration
}

func newEventsCmd(g *globals) *cobra.Command {
	f := &eventsFlags{}
	cmd := &cobra.Command{
		Use:   "events",
		Short: "Stream the nodes' events: boot phases, service state changes, configuration and lifecycle",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return f.run(cmd, g) },
	}
	cmd.Flags().Int32Var(&f.tail, "tail", -1, "show the last N past events first (-1: all kept)")
	cmd.Flags().DurationVar(&f.duration, "duration", 0, "stop after this long (0: until interrupted)")
	return cmd
}

func (f *eventsFlags) run(cmd *cobra.Command, g *globals) error {
	s, err := g.connect(nil)
	if err != nil {
		return err
	}
	defer s.Close()
	ctx := cmd.Context()
	if f.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.duration)
		defer cancel()
	}
	stream, err := s.c.Machine.Events(s.ctx(ctx), &machine.EventsRequest{TailEvents: f.tail})
	if err != nil {
		return apiError(err)
	}
	w := cmd.OutOrStdout()
	return drainNodes(stream, func(e *machine.Event) error {
		var attrs []string
		for _, k := range slices.Sorted(maps.Keys(e.GetAttributes())) {
			attrs = append(attrs, k+"="+e.GetAttributes()[k])
		}
		_, err := fmt.Fprintf(w, "%s %s %-9s %s %s\n", replyNode(e.GetMetadata()), e.GetTime().AsTime().Local().Format(time.TimeOnly+".000"),
			printable(e.GetKind()), printable(e.GetMessage()), printable(strings.Join(attrs, " ")))
		return err
	})
}
