package cairnctl

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

// clusterFlags are shared by the cluster commands.
type clusterFlags struct {
	stateDir string
}

func newClusterCmd(g *globals) *cobra.Command {
	cf := &clusterFlags{}
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "Create, show and destroy local Cairn clusters running under QEMU",
		Long: `Local clusters boot the image built by "cairnctl image build" under QEMU, inside a network
namespace holding a bridge, one tap per node, a DHCP server and a config server. Each node's
API is forwarded to a loopback port of the host; nothing else leaves the namespace. Needs root
and qemu-system-x86.`,
		Args: cobra.NoArgs,
	}
	cmd.PersistentFlags().StringVar(&cf.stateDir, "state-dir", "", "directory of local cluster state (default $XDG_STATE_HOME/cairn/clusters or ~/.local/state/cairn/clusters)")
	cmd.AddCommand(newClusterCreateCmd(g, cf), newClusterDestroyCmd(g, cf), newClusterShowCmd(g, cf), newClusterServeCmd(g))
	return cmd
}

// dir returns the state directory of the named cluster.
func (cf *clusterFlags) dir(g *globals, name string) (string, error) {
	base := cf.stateDir
	if base == "" {
		if v, ok := g.lookupEnv("XDG_STATE_HOME"); ok && v != "" {
			base = filepath.Join(v, "cairn", "clusters")
		} else {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", fmt.Errorf("find the cluster state directory: %w", err)
			}
			base = filepath.Join(home, ".local", "state", "cairn", "clusters")
		}
	}
	abs, err := filepath.Abs(filepath.Join(base, name))
	if err != nil {
		return "", err
	}
	return abs, nil
}
