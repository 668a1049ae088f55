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
	dir, err := cf.existing(g, f.name)
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
	daemon := "stopped (cairnctl cluster start --name " + plan.Name + ")"
	if qemu.DaemonRunning(dir, st) {
		daemon = fmt.Sprintf("running (pid %d)", st.DaemonPID)
	}
	out := cmd.OutOrStdout()
	_, _ = fmt.Fprintf(out, "cluster %s: namespace %s, accelerator %s, daemon %s, state in %s\n\n", plan.Name, plan.Netns, plan.Accel, daemon, dir)
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(w, "NODE\tTYPE\tADDRESS\tAPI ENDPOINT\tMAC\tSTATE\tCONSOLE")
	for _, n := range plan.Nodes {
		ep, state := "-", "stopped"
		if p, ok := st.Forwards[n.Name]; ok && qemu.DaemonRunning(dir, st) {
			ep = fmt.Sprintf("127.0.0.1:%d", p)
		}
		if st.Running(n.Name) {
			state = fmt.Sprintf("running (pid %d)", st.QEMU[n.Name])
		}
		_, _ = fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", n.Name, n.Type, n.IP, ep, n.MAC, state, n.Console)
	}
	return w.Flush()
}
