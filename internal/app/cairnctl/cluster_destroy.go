package cairnctl

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/internal/provision/qemu"
	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
)

type clusterDestroyFlags struct {
	name string
}

func newClusterDestroyCmd(g *globals, cf *clusterFlags) *cobra.Command {
	f := &clusterDestroyFlags{}
	cmd := &cobra.Command{
		Use:   "destroy",
		Short: "Stop a local cluster and remove its VMs, namespace, forwards, files and context",
		Long: `Stop a local cluster and remove what it created: its VMs, its network namespace (only if
this cluster created it), the files its plan names and its cairnconfig context. Files it did
not create are left, and so is its directory then.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd, g, cf) },
	}
	cmd.Flags().StringVar(&f.name, "name", "cairn", "cluster name")
	return cmd
}

func (f *clusterDestroyFlags) run(cmd *cobra.Command, g *globals, cf *clusterFlags) error {
	dir, err := cf.existing(g, f.name)
	if err != nil {
		return err
	}
	if err := qemu.Destroy(dir, cmd.OutOrStdout()); err != nil {
		return err
	}
	path, err := clientconfig.Path(g.cairnconfig, g.lookupEnv)
	if err != nil {
		return err
	}
	c, err := clientconfig.Load(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, ok := c.Contexts[f.name]; ok {
		delete(c.Contexts, f.name)
		if c.Context == f.name {
			c.Context = ""
		}
		if err := c.Save(path, true); err != nil {
			return err
		}
		_, _ = fmt.Fprintf(cmd.OutOrStdout(), "context %q removed from %s\n", f.name, path)
	}
	_, _ = fmt.Fprintf(cmd.OutOrStdout(), "cluster %q destroyed\n", f.name)
	return nil
}
