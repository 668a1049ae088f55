package cairnctl

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

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
	t := newTextTable(&buf, "SLOT", "VERSION", "STATUS", "GENERATION", "ACTIVE", "SIGNED BY", "WRITTEN")
	for _, s := range v.GetSlots() {
		active := ""
		if s.GetActive() {
			active = "yes (booted)"
		}
		version := s.GetVersion()
		if version == "" {
			version = "-"
		}
		signer, written := "-", "-"
		if k := s.GetSigner(); k != "" {
			signer = printable(shortID(k))
		}
		if s.GetWritten().IsValid() {
			written = s.GetWritten().AsTime().UTC().Format(time.RFC3339)
		}
		t.row(s.GetName(), printable(version), printable(s.GetStatus()), strconv.FormatInt(s.GetGeneration(), 10), active, signer, written)
	}
	_ = t.flush() // a bytes.Buffer does not fail
	_, _ = fmt.Fprintln(w, "\tSlots:")
	for _, line := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
		_, _ = fmt.Fprintf(w, "\t  %s\n", strings.TrimRight(line, " "))
	}
}

// shortID abbreviates a key ID to its first 16 hex digits, as the node's messages do.
func shortID(id string) string {
	if len(id) > 16 {
		return id[:16]
	}
	return id
}
