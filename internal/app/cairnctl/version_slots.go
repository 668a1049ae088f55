package cairnctl

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

// printSlots writes a node's disk slots under its version: a small table, or why there are none.
func printSlots(w io.Writer, v *machine.Version) {
	switch {
	case v.GetSlotsError() != "":
		_, _ = fmt.Fprintf(w, "\tSlots: not read (%s)\n", printable(v.GetSlotsError()))
		return
	case len(v.GetSlots()) > 0:
	case v.GetNoSlots() != "":
		_, _ = fmt.Fprintf(w, "\tSlots: none (%s)\n", printable(v.GetNoSlots()))
		return
	default:
		_, _ = fmt.Fprintln(w, "\tSlots: none reported")
		return
	}
	var buf bytes.Buffer
	t := newTextTable(&buf, "SLOT", "VERSION", "STATUS", "GENERATION", "ACTIVE")
	for _, s := range v.GetSlots() {
		active := ""
		if s.GetActive() {
			active = "yes (booted)"
		}
		version := s.GetVersion()
		if version == "" {
			version = "-"
		}
		t.row(s.GetName(), version, s.GetStatus(), strconv.FormatInt(s.GetGeneration(), 10), active)
	}
	_ = t.flush() // a bytes.Buffer does not fail
	_, _ = fmt.Fprintln(w, "\tSlots:")
	for _, line := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
		_, _ = fmt.Fprintf(w, "\t  %s\n", strings.TrimRight(line, " "))
	}
}
