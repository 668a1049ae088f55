package cairnctl

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

// newLifecycleCmd builds reboot and shutdown, which differ only in the call they make.
func newLifecycleCmd(g *globals, use, short string, call func(*session, context.Context) (*machine.ActionResponse, error)) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := g.connect(nil)
			if err != nil {
				return err
			}
			defer s.Close()
			resp, err := call(s, s.ctx(cmd.Context()))
			if err != nil {
				return apiError(err)
			}
			return printActions(cmd, resp)
		},
	}
}
