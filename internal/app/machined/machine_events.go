package machined

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

// Events streams boot phases, service state changes, configuration and lifecycle events.
func (a *machineAPI) Events(r *machine.EventsRequest, s machine.MachineService_EventsServer) error {
	return a.n.events.follow(s.Context(), int(r.GetTailEvents()), func(e event) error {
		return s.Send(&machine.Event{
			Metadata: a.n.md(), Id: e.ID, Time: timestamppb.New(e.Time),
			Kind: e.Kind, Message: e.Message, Attributes: e.Attributes,
		})
	})
}
