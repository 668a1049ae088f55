package cairnctl

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/internal/provision/qemu"
)

// clusterFlags are shared by the cluster commands.
type clusterFlags struct {
	stateDir string
}

func newClusterCmd(g *globals) *cobra.Command {
	cf := &clusterFlags{}
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "Create, show, stop, start and destroy local Cairn clusters running under QEMU",
		Long: `Local clusters boot the image built by "cairnctl image build" under QEMU, inside a network
namespace holding a bridge, one tap per node, a DHCP server and a config server. Each node's
API is forwarded to a loopback port of the host; nothing else leaves the namespace. Needs root
and qemu-system-x86.`,
		Args: cobra.NoArgs,
	}
	cmd.PersistentFlags().StringVar(&cf.stateDir, "state-dir", "", "directory of local cluster state (default $XDG_STATE_HOME/cairn/clusters or ~/.local/state/cairn/clusters)")
	cmd.AddCommand(newClusterCreateCmd(g, cf), newClusterDestroyCmd(g, cf), newClusterShowCmd(g, cf),
		newClusterStopCmd(g, cf), newClusterStartCmd(g, cf), newClusterServeCmd(g))
	return cmd
}

// dir returns the state directory of the named cluster, after checking the name.
func (cf *clusterFlags) dir(g *globals, name string) (string, error) {
	if err := qemu.ValidateName(name); err != nil {
		return "", err
	}
	base, err := cf.base(g)
	if err != nil {
		return "", err
	}
	return filepath.Join(base, name), nil
}

// existing returns the state directory of a cluster that exists, or an error that says so
// and lists the clusters there are.
func (cf *clusterFlags) existing(g *globals, name string) (string, error) {
	dir, err := cf.dir(g, name)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, "plan.json")); err == nil {
		return dir, nil
	}
	base, _ := cf.base(g)
	have := "none; cairnctl cluster create makes one"
	if names := clusterNames(base); len(names) > 0 {
		have = strings.Join(names, ", ")
	}
	return "", fmt.Errorf("no cluster named %q in %s (clusters there: %s)", name, base, have)
}

// clusterNames lists the clusters whose state is in base.
func clusterNames(base string) []string {
	entries, _ := os.ReadDir(base)
	var names []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(base, e.Name(), "plan.json")); err == nil {
			names = append(names, e.Name())
		}
	}
	return names
}

// base returns the directory holding every cluster's state directory.
func (cf *clusterFlags) base(g *globals) (string, error) {
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
	return filepath.Abs(base)
}
