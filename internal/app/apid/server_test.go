package apid

import (
	"context"
	"errors"
	"testing"
)

// TestStopOf: when apid stops, a call whose replies stream ends at once; a unary call and an
// upload (whose one reply may still be on its way, an upgrade's before the node reboots) end
// after the unary grace.
func TestStopOf(t *testing.T) {
	streams, stopStreams := context.WithCancel(context.Background())
	unary, stopUnary := context.WithCancel(context.Background())
	defer stopStreams()
	defer stopUnary()
	s := &server{stop: stopping{streams: streams, unary: unary}}
	for m, want := range map[string]context.Context{
		"/cairn.machine.MachineService/Logs":        streams,
		"/cairn.audit.AuditService/Log":             streams,
		"/cairn.machine.MachineService/Version":     unary,
		"/cairn.machine.MachineService/Upgrade":     unary,
		"/cairn.machine.MachineService/ImageImport": unary,
	} {
		desc, err := lookupMethod(m)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.stopOf(desc); got != want {
			t.Errorf("%s ends with the %s stop, want the %s one", m, name(got, s), name(want, s))
		}
	}
}

func name(stop context.Context, s *server) string {
	if stop == s.stop.streams {
		return "streams'"
	}
	return "unary calls'"
}

// TestBounded: a bounded call ends with errStopping as its cause when its stop ends.
func TestBounded(t *testing.T) {
	stop, end := context.WithCancel(context.Background())
	ctx, cancel := bounded(context.Background(), stop)
	defer cancel()
	if ctx.Err() != nil {
		t.Fatal("the call ended before apid stopped")
	}
	end()
	<-ctx.Done()
	if cause := context.Cause(ctx); !errors.Is(cause, errStopping) {
		t.Errorf("cause = %v, want errStopping", cause)
	}
}
