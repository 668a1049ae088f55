package cairnctl

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/internal/provision/qemu"
)

type clusterShowFlags struct {
	name string
}

func newClusterShowCmd(g *globals, cf *clusterFlags) *cobra.Command {
	f := &clusterShowFlags{}
	cmd := &cobra.Command{
		Use:   "show",
		Short: "List the nodes of a local cluster with their addresses and forwarded API ports",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return f.run(cmd, g, cf) },
	}
	cmd.Flags().StringVar(&f.name, "name", "cairn", "cluster name")
	return cmd
}

func (f *clusterShowFlags) run(cmd *cobra.Command, g *globals, cf *clusterFlags) error {
	dir, err := cf.dir(g, f.name)
	if err != nil {
		return err
	}
	plan, err := qemu.LoadPlan(dir)
	if err != nil {
		return fmt.Errorf("cluster %q: %w", f.name, err)
	}
	st, err := qemu.LoadState(dir)
	if err != nil {
		st = &qemu.State{}
	}
	out := cmd.OutOrStdout()
	_, _ = fmt.Fprintf(out, "cluster %s: namespace %s, accelerator %s, state in %s\n\n", plan.Name, plan.Netns, plan.Accel, dir)
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(w, "NODE\tTYPE\tADDRESS\tAPI ENDPOINT\tMAC\tRUNNING\tCONSOLE")
	for _, n := range plan.Nodes {
		ep := "-"
		if p, ok := st.Forwards[n.Name]; ok {
			ep = fmt.Sprintf("127.0.0.1:%d", p)
		}
		_, _ = fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%v\t%s\n", n.Name, n.Type, n.IP, ep, n.MAC, st.Running(n.Name), n.Console)
	}
	return w.Flush()
}
