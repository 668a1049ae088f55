package cairnctl

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
)

// actionCall is a call that changes the nodes and answers with a message per node.
type actionCall func(context.Context, *client.Client) (*machine.ActionResponse, error)

// newLifecycleCmd builds reboot, reset and shutdown, which differ only in the call they make.
func newLifecycleCmd(g *globals, use, short string, call actionCall) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAction(cmd, g, nil, call)
		},
	}
}

// runAction makes a call that changes the nodes and prints each node's answer; ins may be
// nil (no --insecure).
func runAction(cmd *cobra.Command, g *globals, ins *insecureFlags, call actionCall) error {
	s, err := g.connect(ins)
	if err != nil {
		return err
	}
	defer s.Close()
	resp, err := call(s.ctx(cmd.Context()), s.c)
	if err != nil {
		return apiError(err)
	}
	return eachNode(resp.GetMessages(), func(m *machine.Action) error {
		_, _ = fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", replyNode(m.GetMetadata()), printable(m.GetMessage()))
		return nil
	})
}
