package cairnctl

import (
	"crypto/x509"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	auditapi "github.com/cairn-os/cairn/pkg/machinery/api/audit"
	"github.com/cairn-os/cairn/pkg/machinery/audit"
	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
)

func newAuditCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Read and verify the nodes' hash-chained audit trail (os:auditor, os:admin)",
	}
	cmd.AddCommand(newAuditLogCmd(g), newAuditVerifyCmd(g))
	return cmd
}

type auditLogFlags struct {
	follow bool
	from   uint64
	out    printFlags
}

func newAuditLogCmd(g *globals) *cobra.Command {
	f := &auditLogFlags{}
	cmd := &cobra.Command{
		Use:   "log",
		Short: "Print the audit events of the nodes: who called what, through which proxy, with what outcome",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return f.run(cmd, g) },
	}
	cmd.Flags().BoolVarP(&f.follow, "follow", "f", false, "keep printing new events")
	cmd.Flags().Uint64Var(&f.from, "from", 0, "first sequence number to print")
	f.out.register(cmd)
	return cmd
}

func (f *auditLogFlags) run(cmd *cobra.Command, g *globals) error {
	if err := f.out.check(); err != nil {
		return err
	}
	s, err := g.connect(nil)
	if err != nil {
		return err
	}
	defer s.Close()
	stream, err := s.c.Audit.Log(s.ctx(cmd.Context()), &auditapi.LogRequest{From: f.from, Follow: f.follow})
	if err != nil {
		return apiError(err)
	}
	w := cmd.OutOrStdout()
	return drainNodes(stream, func(e *auditapi.LogEntry) error {
		if f.out.format != "table" {
			_, err := fmt.Fprintf(w, "%s\n", e.GetEvent())
			return err
		}
		ev, err := audit.Decode(e.GetEvent())
		if err != nil {
			return fmt.Errorf("%s: %w", replyNode(e.GetMetadata()), err)
		}
		_, err = fmt.Fprintln(w, printable(formatEvent(replyNode(e.GetMetadata()), ev)))
		return err
	})
}

// formatEvent renders one event on a line.
func formatEvent(node string, ev audit.Event) string {
	if r := ev.Refusals; ev.Kind == audit.KindRefusals && r != nil {
		return fmt.Sprintf("%s #%d %s %s: %d refused calls from %s without a verified certificate, %s to %s (subjects %s; methods %s)",
			node, ev.Seq, ev.Time.Local().Format(time.DateTime), ev.Kind, r.Count, safeText(r.Source),
			r.First.Local().Format(time.TimeOnly), r.Last.Local().Format(time.TimeOnly), safeText(strings.Join(r.Subjects, ", ")), safeText(strings.Join(r.Methods, ", ")))
	}
	if ev.Kind != audit.KindCall {
		return fmt.Sprintf("%s #%d %s %s %s", node, ev.Seq, ev.Time.Local().Format(time.DateTime), ev.Kind, ev.Note)
	}
	who := fmt.Sprintf("%s[%s]", ev.Caller.Subject, strings.Join(ev.Caller.Roles, ","))
	if ev.Unverified {
		who = "unverified " + who
	}
	for _, v := range ev.Via {
		who += " via " + v.Subject
	}
	line := fmt.Sprintf("%s #%d %s %s from %s %s -> %s (%s)", node, ev.Seq, ev.Time.Local().Format(time.DateTime),
		who, ev.Caller.Address, ev.Method, ev.Code, time.Duration(ev.Duration).Round(time.Microsecond))
	if len(ev.Nodes) > 0 {
		line += " nodes=" + strings.Join(ev.Nodes, ",")
	}
	if ev.Args != "" {
		line += " args: " + ev.Args
	}
	if ev.Truncated {
		line += " [truncated to fit the size limits]"
	}
	return line
}

func newAuditVerifyCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "verify",
		Short: "Fetch the audit trail of the nodes and check its hash chain and the node's signatures; report the first broken or missing link",
		Long: `Fetch the audit trail of the nodes and check it: every event's hash and its link to the one
before, and the anchors the node signs at boot, at shutdown, periodically and before each read
with the key of its API server certificate. Each anchor carries that certificate, which must be
issued by the OS CA of the client configuration (the CA the connection itself trusts). A
rewritten stretch, a cut tail or a run that ended without a shutdown record does not verify.
The report lists where each boot starts the history (after a reboot with a STATE that did not
keep the log, the chain restarts there), the segments moved aside as corrupt, and the refused
unauthenticated calls counted in aggregates.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := g.connect(nil)
			if err != nil {
				return err
			}
			defer s.Close()
			// Anchors must be signed by a certificate of the CA the connection trusts.
			roots, err := clientconfig.ParseCAs(s.ca)
			if err != nil {
				return fmt.Errorf("client configuration: ca: %w", err)
			}
			stream, err := s.c.Audit.Log(s.ctx(cmd.Context()), &auditapi.LogRequest{})
			if err != nil {
				return apiError(err)
			}
			return verifyStream(cmd, stream, roots)
		},
	}
}

// verifyStream checks each node's chain separately, as events arrive.
func verifyStream(cmd *cobra.Command, stream auditapi.AuditService_LogClient, roots *x509.CertPool) error {
	verifiers := map[string]*audit.Verifier{}
	var order []string
	broken := map[string]error{}
	var errs nodeErrors
	if err := drain(stream, &errs, func(e *auditapi.LogEntry) error {
		node := replyNode(e.GetMetadata())
		v, ok := verifiers[node]
		if !ok {
			v = &audit.Verifier{Roots: roots}
			verifiers[node] = v
			order = append(order, node)
		}
		if broken[node] != nil {
			return nil
		}
		ev, err := audit.Decode(e.GetEvent())
		if err == nil {
			err = v.Add(ev)
		}
		if err != nil {
			broken[node] = err
		}
		return nil
	}); err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	failed := 0
	for _, node := range order {
		rep, err := verifiers[node].Finish()
		if broken[node] != nil {
			err = broken[node]
		}
		if err != nil {
			failed++
			_, _ = fmt.Fprintf(w, "%s: BROKEN: %v\n", node, err)
			printReportDetails(w, rep) // what was read up to the break
			continue
		}
		_, _ = fmt.Fprintf(w, "%s: OK: %d events, seq %d..%d, chain intact, signed by the node up to seq %d (%d anchors) (from genesis: %v, rotations recorded: %d)\n",
			node, rep.Count, rep.FirstSeq, rep.LastSeq, rep.LastAnchor, rep.Anchors, rep.Genesis, len(rep.Rotations))
		printReportDetails(w, rep)
	}
	if failed > 0 {
		return &exitError{code: 1, err: fmt.Errorf("the audit chain of %d node(s) does not verify", failed)}
	}
	return errs.err()
}

// printReportDetails says where history restarts, what was moved aside and what was counted
// rather than written one by one.
func printReportDetails(w io.Writer, rep audit.Report) {
	for _, b := range rep.Boots {
		switch {
		case b.PriorEvents == 0:
			_, _ = fmt.Fprintf(w, "  boot at seq %d (%s): no earlier history found: the chain starts here\n", b.Seq, safeText(b.ID))
		case b.PriorClean:
			_, _ = fmt.Fprintf(w, "  boot at seq %d (%s): earlier history up to seq %d, ended with a shutdown record\n", b.Seq, safeText(b.ID), b.PriorEvents)
		default:
			_, _ = fmt.Fprintf(w, "  boot at seq %d (%s): earlier history up to seq %d, ended WITHOUT a shutdown record\n", b.Seq, safeText(b.ID), b.PriorEvents)
		}
	}
	for _, g := range rep.Gaps {
		_, _ = fmt.Fprintf(w, "  gap: events %d..%d were moved aside as corrupt\n", g.FromSeq, g.ToSeq)
	}
	if rep.RefusalEvents > 0 {
		_, _ = fmt.Fprintf(w, "  refused unauthenticated calls counted in aggregates: %d (in %d aggregate events)\n", rep.Refused, rep.RefusalEvents)
	}
	if rep.Truncated > 0 {
		_, _ = fmt.Fprintf(w, "  events truncated to fit the size limits: %d\n", rep.Truncated)
	}
}

// safeText escapes control characters of remote text for the terminal.
func safeText(s string) string {
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}
