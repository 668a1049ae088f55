package cairnctl

import (
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/internal/provision/qemu"
	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
)

type clusterPowerFlags struct {
	name  string
	nodes []string
	wait  time.Duration
}

func newClusterStopCmd(g *globals, cf *clusterFlags) *cobra.Command {
	f := &clusterPowerFlags{}
	cmd := &cobra.Command{
		Use:   "stop",
		Short: "Stop a local cluster's VMs (or only --node), keeping their disks and configurations",
		Long: `Stop QEMU for the named nodes, or stop the whole cluster (its VMs, forwards and namespace)
without --node. Disks, configurations and secrets are kept: cluster start boots them again.`,
		Example: "  cairnctl cluster stop --name demo --node demo-w1",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := cf.existing(g, f.name)
			if err != nil {
				return err
			}
			if len(f.nodes) == 0 {
				err = qemu.Stop(dir, cmd.OutOrStdout())
			} else {
				_, err = qemu.SetNodes(cmd.Context(), dir, f.nodes, false)
			}
			if err == nil {
				_, _ = fmt.Fprintf(cmd.OutOrStdout(), "stopped %s\n", f.what())
			}
			return err
		},
	}
	f.register(cmd)
	return cmd
}

func newClusterStartCmd(g *globals, cf *clusterFlags) *cobra.Command {
	f := &clusterPowerFlags{}
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Start a stopped or killed local cluster, or only --node, from the same disks and identities",
		Long: `Start QEMU again for the named nodes (or every node) with the same disk, MAC and address
and the same machine configuration, then wait until each node's API answers. A whole cluster
that was stopped gets its namespace back and, when free, the same forwarded ports.`,
		Example: "  cairnctl cluster start --name demo --node demo-w1",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return f.start(cmd, g, cf) },
	}
	f.register(cmd)
	cmd.Flags().DurationVar(&f.wait, "wait", 5*time.Minute, "how long to wait for each started node's API")
	return cmd
}

func (f *clusterPowerFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.name, "name", "cairn", "cluster name")
	cmd.Flags().StringSliceVar(&f.nodes, "node", nil, "nodes to act on, comma separated (default: the whole cluster)")
}

func (f *clusterPowerFlags) what() string {
	if len(f.nodes) == 0 {
		return fmt.Sprintf("cluster %q", f.name)
	}
	return fmt.Sprintf("%v of cluster %q", f.nodes, f.name)
}

func (f *clusterPowerFlags) start(cmd *cobra.Command, g *globals, cf *clusterFlags) error {
	out := cmd.OutOrStdout()
	dir, err := cf.existing(g, f.name)
	if err != nil {
		return err
	}
	plan, err := qemu.LoadPlan(dir)
	if err != nil {
		return err
	}
	from := map[string][2]int64{} // the console's and QEMU's log's sizes
	for _, n := range plan.Nodes {
		from[n.Name] = [2]int64{consoleSize(n.Console), consoleSize(qemu.OutputLog(plan.Dir, n.Name))}
	}
	var st *qemu.State
	if len(f.nodes) == 0 {
		exe, eerr := os.Executable()
		if eerr != nil {
			return eerr
		}
		st, err = qemu.Restart(cmd.Context(), dir, exe, []string{"cluster", "serve", "--dir", dir}, out)
	} else {
		st, err = qemu.SetNodes(cmd.Context(), dir, f.nodes, true)
	}
	if err != nil {
		return err
	}
	return f.waitStarted(cmd, g, plan, st, from)
}

// waitStarted waits for the API of each started node, checked against the cluster's CA.
func (f *clusterPowerFlags) waitStarted(cmd *cobra.Command, g *globals, plan *qemu.Plan, st *qemu.State, from map[string][2]int64) error {
	tlsConf, err := clusterTLS(g, plan)
	if err != nil {
		return err
	}
	for _, n := range plan.Nodes {
		if len(f.nodes) > 0 && !slices.Contains(f.nodes, n.Name) {
			continue
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(st.Forwards[n.Name]))
		w := apiWatch{node: n, state: st, from: from[n.Name][0], qemuFrom: from[n.Name][1]}
		if err := w.wait(cmd.Context(), cmd.OutOrStdout(), addr, tlsConf, f.wait); err != nil {
			return err
		}
	}
	_, _ = fmt.Fprintf(cmd.OutOrStdout(), "started %s\n", f.what())
	return nil
}

// clusterTLS is the TLS configuration of the cluster's cairnconfig context (nil, "answers
// at all", for a cluster without configuration or context).
func clusterTLS(g *globals, plan *qemu.Plan) (*tls.Config, error) {
	if _, err := os.Stat(filepath.Join(plan.Dir, qemu.SecretsFile)); err != nil {
		return nil, nil // a maintenance-mode cluster: no CA to check against
	}
	path, err := clientconfig.Path(g.cairnconfig, g.lookupEnv)
	if err != nil {
		return nil, err
	}
	c, err := clientconfig.Load(path)
	if err != nil {
		return nil, fmt.Errorf("client configuration: %w", err)
	}
	cctx, ok := c.Contexts[plan.Name]
	if !ok {
		return nil, fmt.Errorf("context %q not in %s: cluster create adds it", plan.Name, path)
	}
	return cctx.TLSConfig()
}
