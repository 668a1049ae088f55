package cairnctl

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

type rollbackFlags struct{ out printFlags }

func newRollbackCmd(g *globals) *cobra.Command {
	f := &rollbackFlags{}
	cmd := &cobra.Command{
		Use:   "rollback",
		Short: "Reboot the nodes into their other disk slot, the OS they ran before the last upgrade",
		Long: `Make each node's other disk slot boot next and reboot into it. The other slot must hold a
good image (one that booted and passed its health check), and the slot the node runs must not
be on trial (that one is marked good, or rolled back, by itself); a node refuses otherwise,
and so does a node without disk slots (container mode, or a root in RAM). Every node named by
--nodes reboots at once. It needs the os:admin role; cairnctl version shows the slots.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd, g) },
	}
	f.out.register(cmd)
	return cmd
}

func (f *rollbackFlags) run(cmd *cobra.Command, g *globals) error {
	if err := f.out.check(); err != nil {
		return err
	}
	s, err := g.connect(nil)
	if err != nil {
		return err
	}
	defer s.Close()
	resp, err := s.c.Machine.Rollback(s.ctx(cmd.Context()), &common.Empty{})
	if err != nil {
		return apiError(err)
	}
	w := cmd.OutOrStdout()
	if done, err := f.out.structured(w, resp); done {
		return err
	}
	return eachNode(resp.GetMessages(), func(m *machine.Rollback) error {
		_, _ = fmt.Fprintf(w, "%s: %s\n", replyNode(m.GetMetadata()), printable(m.GetMessage()))
		return nil
	})
}
