package machined

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

// LoggingStatus reports each log destination. Nothing in it is secret: endpoints, states,
// errors and counts.
func (a *machineAPI) LoggingStatus(context.Context, *common.Empty) (*machine.LoggingStatusResponse, error) {
	var out []*machine.LogDestinationStatus
	for _, s := range a.n.logDestinations() {
		out = append(out, &machine.LogDestinationStatus{
			Endpoint: s.Endpoint, Format: s.Format, Sources: s.Sources, State: s.State,
			LastError: s.LastError, LastErrorTime: optionalTime(s.LastErrorTime),
			QueueEntries: s.QueueEntries, QueueBytes: uint64(s.QueueBytes), OldestQueued: optionalTime(s.OldestQueued),
			Sent: s.Sent, Resent: s.Resent, Acknowledged: s.Acknowledged, Dropped: s.Dropped,
		})
	}
	return &machine.LoggingStatusResponse{Messages: []*machine.LoggingStatus{{Metadata: a.n.md(), Destinations: out}}}, nil
}

func optionalTime(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}
