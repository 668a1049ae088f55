package cairnctl

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
)

type lsFlags struct {
	depth int32
	out   printFlags
}

func newLsCmd(g *globals) *cobra.Command {
	f := &lsFlags{}
	cmd := &cobra.Command{
		Use:   "ls PATH",
		Short: "List a directory of the nodes (only paths in the node's allowlist)",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return f.run(cmd, g, args[0]) },
	}
	cmd.Flags().Int32VarP(&f.depth, "depth", "d", 1, "how deep to descend (1: the directory's entries)")
	f.out.register(cmd)
	return cmd
}

func (f *lsFlags) run(cmd *cobra.Command, g *globals, path string) error {
	return tableCall[*machine.ListResponse, *machine.FileList]{
		headers: []string{"NODE", "MODE", "SIZE", "MODIFIED", "NAME"},
		call: func(ctx context.Context, c *client.Client) (*machine.ListResponse, error) {
			return c.Machine.List(ctx, &machine.ListRequest{Path: path, MaxDepth: f.depth})
		},
		rows: func(t *textTable, node string, m *machine.FileList) {
			for _, fi := range m.GetFiles() {
				name := fi.GetName()
				if fi.GetLink() != "" {
					name += " -> " + fi.GetLink()
				}
				t.row(node, fs.FileMode(fi.GetMode()).String(), fmt.Sprint(fi.GetSize()),
					fi.GetModified().AsTime().Local().Format("2006-01-02 15:04"), name)
			}
		},
	}.run(cmd, g, nil, &f.out)
}
