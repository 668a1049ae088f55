package cairnctl

import (
	"context"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"

	"github.com/cairn-os/cairn/pkg/machinery/client"
)

// nodeReply is a unary reply that carries one message per node.
type nodeReply[M reply] interface {
	proto.Message
	GetMessages() []M
}

// tableCall is a read-only unary call whose reply prints as -o json|yaml, or as a table with
// rows for every node that answered; nodes that failed are reported after the table.
type tableCall[R nodeReply[M], M reply] struct {
	headers []string
	call    func(ctx context.Context, c *client.Client) (R, error)
	rows    func(t *textTable, node string, m M)
	// insecure adds the --insecure flags, to reach a node in maintenance mode.
	insecure bool
}

// command builds the cobra command for the call, with its -o flag.
func (tc tableCall[R, M]) command(g *globals, use, short string) *cobra.Command {
	var out printFlags
	var ins *insecureFlags
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return tc.run(cmd, g, ins, &out)
		},
	}
	if tc.insecure {
		ins = &insecureFlags{}
		ins.register(cmd)
	}
	out.register(cmd)
	return cmd
}

// run makes the call and prints its reply; ins may be nil (no --insecure).
func (tc tableCall[R, M]) run(cmd *cobra.Command, g *globals, ins *insecureFlags, out *printFlags) error {
	if err := out.check(); err != nil {
		return err
	}
	s, err := g.connect(ins)
	if err != nil {
		return err
	}
	defer s.Close()
	resp, err := tc.call(s.ctx(cmd.Context()), s.c)
	if err != nil {
		return apiError(err)
	}
	if done, err := out.structured(cmd.OutOrStdout(), resp); done {
		return err
	}
	var errs nodeErrors
	t := newTextTable(cmd.OutOrStdout(), tc.headers...)
	for _, m := range checkAll(resp.GetMessages(), &errs) {
		tc.rows(t, replyNode(m.GetMetadata()), m)
	}
	if err := t.flush(); err != nil {
		return err
	}
	return errs.err()
}
