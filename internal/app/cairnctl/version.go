package cairnctl

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/version"
)

type versionClientFlags struct {
	clientOnly bool
	ins        insecureFlags
	out        printFlags
}

func newVersionClientCmd(g *globals) *cobra.Command {
	f := &versionClientFlags{}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of cairnctl (and of the nodes and their disk slots, unless --client)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.run(cmd, g)
		},
	}
	cmd.Flags().BoolVar(&f.clientOnly, "client", false, "print only the client version")
	f.ins.register(cmd)
	f.out.register(cmd)
	return cmd
}

func (f *versionClientFlags) run(cmd *cobra.Command, g *globals) error {
	if err := f.out.check(); err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	if f.clientOnly {
		return f.printClient(w)
	}
	s, err := g.connect(&f.ins)
	if err != nil {
		return err
	}
	defer s.Close()
	resp, err := s.c.Machine.Version(s.ctx(cmd.Context()), &common.Empty{})
	if err != nil {
		return apiError(err)
	}
	// The client's version is printed with the nodes', not before an error about them.
	if err := f.printClient(w); err != nil {
		return err
	}
	if done, err := f.out.structured(w, resp); done {
		return err
	}
	return eachNode(resp.GetMessages(), func(m *machine.Version) error {
		v := m.GetVersion()
		state := "configured"
		if m.GetMaintenance() {
			state = "maintenance mode"
		}
		_, _ = fmt.Fprintf(w, "Node %s (%s, %s mode, %s):\n\tTag: %s\n\tCommit: %s\n\tGo: %s %s/%s\n\tFIPS 140: %s\n",
			replyNode(m.GetMetadata()), printable(m.GetMetadata().GetHostname()), printable(m.GetMode()), state,
			printable(v.GetTag()), printable(v.GetCommit()), printable(v.GetGoVersion()), printable(v.GetOs()), printable(v.GetArch()), printable(v.GetFips140()))
		printSlots(w, m)
		return nil
	})
}

// printClient prints the client's version (in table output only).
func (f *versionClientFlags) printClient(w io.Writer) error {
	if f.out.format != "table" {
		return nil
	}
	v := version.Current()
	_, err := fmt.Fprintf(w, "Client:\n\tTag: %s\n\tCommit: %s\n\tGo: %s %s/%s\n\tFIPS 140: %s\n",
		v.Tag, v.Commit, v.GoVersion, v.OS, v.Arch, v.FIPS140)
	return err
}
