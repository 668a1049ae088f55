package cairnctl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
)

// printFlags select how a command prints what nodes return.
type printFlags struct{ format string }

func (o *printFlags) register(cmd *cobra.Command) { outputFlag(cmd, &o.format) }

func (o *printFlags) check() error {
	switch o.format {
	case "table", "json", "yaml":
		return nil
	}
	return fmt.Errorf("--output %q: want table, json or yaml", o.format)
}

// structured prints msg as JSON or YAML and reports whether it did (false: print a table).
func (o *printFlags) structured(w io.Writer, msg proto.Message) (bool, error) {
	switch o.format {
	case "json", "yaml":
	default:
		return false, nil
	}
	// protojson varies its whitespace on purpose; re-indent for stable output.
	b, err := protojson.Marshal(msg)
	if err != nil {
		return true, err
	}
	if o.format == "json" {
		var buf bytes.Buffer
		if err := json.Indent(&buf, b, "", "  "); err != nil {
			return true, err
		}
		_, err = fmt.Fprintln(w, buf.String())
		return true, err
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return true, err
	}
	y, err := yaml.Marshal(v)
	if err != nil {
		return true, err
	}
	_, err = w.Write(y)
	return true, err
}

// textTable writes aligned columns.
type textTable struct{ tw *tabwriter.Writer }

func newTextTable(w io.Writer, headers ...string) *textTable {
	t := &textTable{tw: tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)}
	t.row(headers...)
	return t
}

// row writes one line; every column is made printable first, since most come from the nodes.
func (t *textTable) row(cols ...string) {
	safe := make([]string, len(cols))
	for i, c := range cols {
		safe[i] = printable(c)
	}
	_, _ = fmt.Fprintln(t.tw, strings.Join(safe, "\t"))
}

func (t *textTable) flush() error { return t.tw.Flush() }

// printable escapes what could forge output or drive the terminal in text that came from a
// node (a certificate's common name, a file name, an error): control characters (newlines,
// tabs, ANSI escapes), Unicode format characters (bidirectional overrides) and invalid UTF-8,
// each written as a Go escape such as \n, \x1b or \u202e.
func printable(s string) string {
	if !strings.ContainsFunc(s, needsEscape) && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, "\\x%02x", s[0])
		case needsEscape(r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
		s = s[size:]
	}
	return b.String()
}

func needsEscape(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }

// replyNode is how a reply names its node: the address the client used, else its host name.
func replyNode(md *common.Metadata) string {
	switch {
	case md.GetNode() != "":
		return printable(md.GetNode())
	case md.GetHostname() != "":
		return printable(md.GetHostname())
	}
	return "(local)"
}

// nodeErrors collects the per-node errors of a multi-node reply into one exit error, after
// the successful replies were printed.
type nodeErrors struct{ errs []string }

// ok reports whether a reply succeeded, recording its error otherwise.
func (r *nodeErrors) ok(md *common.Metadata) bool {
	if md.GetError() == "" {
		return true
	}
	r.errs = append(r.errs, nodeError(md))
	return false
}

// nodeError renders a node's failed reply: "node X: unreachable (reason)" when the proxy could
// not reach it, else "node X: error".
func nodeError(md *common.Metadata) string {
	msg := md.GetError()
	switch {
	case !unreachableStatus(codes.Code(md.GetCode()), msg):
	case strings.Contains(msg, "unreachable"):
		msg = "unreachable" // apid's plain reply says no more
	default:
		msg = "unreachable (" + msg + ")"
	}
	return fmt.Sprintf("node %s: %s", replyNode(md), printable(msg))
}

// nodeReplyError is a node's failed reply, as nodeError renders it, keeping its code.
type nodeReplyError struct{ md *common.Metadata }

func (e *nodeReplyError) Error() string { return nodeError(e.md) }

// errorCode is the gRPC code of an API error, whether the call failed or a node's reply did
// (codes.Unknown for any other error).
func errorCode(err error) codes.Code {
	var se *statusError
	var ne *nodeReplyError
	switch {
	case errors.As(err, &se):
		return se.st.Code()
	case errors.As(err, &ne):
		return codes.Code(ne.md.GetCode())
	}
	return codes.Unknown
}

func (r *nodeErrors) err() error {
	if len(r.errs) == 0 {
		return nil
	}
	return &exitError{code: 1, err: fmt.Errorf("%d node(s) failed:\n  %s", len(r.errs), strings.Join(r.errs, "\n  "))}
}
