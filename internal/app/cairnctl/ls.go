package cairnctl

import (
	"fmt"
	"io/fs"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
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
	if err := f.out.check(); err != nil {
		return err
	}
	s, err := g.connect(nil)
	if err != nil {
		return err
	}
	defer s.Close()
	resp, err := s.c.Machine.List(s.ctx(cmd.Context()), &machine.ListRequest{Path: path, MaxDepth: f.depth})
	if err != nil {
		return apiError(err)
	}
	if done, err := f.out.structured(cmd.OutOrStdout(), resp); done {
		return err
	}
	var errs nodeErrors
	t := newTextTable(cmd.OutOrStdout(), "NODE", "MODE", "SIZE", "MODIFIED", "NAME")
	for _, m := range checkAll(resp.GetMessages(), &errs) {
		for _, fi := range m.GetFiles() {
			name := fi.GetName()
			if fi.GetLink() != "" {
				name += " -> " + fi.GetLink()
			}
			t.row(replyNode(m.GetMetadata()), fs.FileMode(fi.GetMode()).String(), fmt.Sprint(fi.GetSize()),
				fi.GetModified().AsTime().Local().Format("2006-01-02 15:04"), name)
		}
	}
	if err := t.flush(); err != nil {
		return err
	}
	return errs.err()
}
