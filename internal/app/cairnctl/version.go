package cairnctl

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/version"
)

type versionClientFlags struct {
	clientOnly bool
}

func newVersionClientCmd(g *globals) *cobra.Command {
	f := &versionClientFlags{}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of cairnctl (and of the nodes, unless --client)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.run(cmd, g)
		},
	}
	cmd.Flags().BoolVar(&f.clientOnly, "client", false, "print only the client version")
	return cmd
}

func (f *versionClientFlags) run(cmd *cobra.Command, _ *globals) error {
	v := version.Current()
	_, err := fmt.Fprintf(cmd.OutOrStdout(), "Client:\n\tTag: %s\n\tCommit: %s\n\tGo: %s %s/%s\n\tFIPS 140: %s\n",
		v.Tag, v.Commit, v.GoVersion, v.OS, v.Arch, v.FIPS140)
	return err
}
