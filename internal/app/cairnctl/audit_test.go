package cairnctl

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-os/cairn/pkg/machinery/audit"
)

func TestPrintReportDetails(t *testing.T) {
	rep := audit.Report{
		Boots: []audit.BootRecord{
			{Seq: 1, Boot: audit.Boot{ID: "b1"}},
			{Seq: 40, Boot: audit.Boot{ID: "b2\x1b[2J", PriorEvents: 39, PriorClean: true}},
		},
		Gaps:    []audit.Dropped{{FromSeq: 1, ToSeq: 12}},
		Refused: 392, RefusalEvents: 1, Truncated: 8,
	}
	var b bytes.Buffer
	printReportDetails(&b, rep)
	want := `  boot at seq 1 (b1): no earlier history found: the chain starts here
  boot at seq 40 (b2\x1b[2J): earlier history up to seq 39, ended with a shutdown record
  gap: events 1..12 were moved aside as corrupt
  refused unauthenticated calls counted in aggregates: 392 (in 1 aggregate events)
  events truncated to fit the size limits: 8
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("printReportDetails mismatch (-want +got):\n%s", diff)
	}
}

func TestFormatRefusals(t *testing.T) {
	at := time.Date(2026, 12, 2, 7, 0, 0, 0, time.Local)
	ev := audit.Event{Seq: 9, Time: at, Kind: audit.KindRefusals, Refusals: &audit.Refusals{
		Source: "127.0.0.66", Count: 392, First: at, Last: at.Add(time.Minute), Subjects: []string{"flooder", "x\ny"}, Methods: []string{"/m"},
	}}
	want := "n1 #9 2026-12-02 07:00:00 audit.refusals: 392 refused calls from 127.0.0.66 without a verified certificate, 07:00:00 to 07:01:00 (subjects flooder, x\\ny; methods /m)"
	if got := formatEvent("n1", ev); got != want {
		t.Errorf("formatEvent(refusals) =\n%q\nwant\n%q", got, want)
	}
}
