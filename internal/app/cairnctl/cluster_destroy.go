package cairnctl

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/internal/provision/qemu"
	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
	"github.com/cairn-os/cairn/pkg/machinery/secrets"
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
	out := cmd.OutOrStdout()
	dir, err := cf.existing(g, f.name)
	if err != nil {
		return err
	}
	ca := clusterCA(dir) // read before destroy removes secrets.yaml
	if err := qemu.Destroy(dir, out); err != nil {
		return err
	}
	if err := removeContext(g, f.name, ca, out); err != nil {
		return err
	}
	_, _ = fmt.Fprintf(out, "cluster %q destroyed\n", f.name)
	return nil
}

// clusterCA is the API CA certificate of the cluster in dir (nil without secrets).
func clusterCA(dir string) []byte {
	b, err := secrets.LoadFile(filepath.Join(dir, qemu.SecretsFile))
	if err != nil || b.Certs.OS == nil {
		return nil
	}
	return b.Certs.OS.CertPEM
}

// removeContext removes the cairnconfig context cluster create added: the one named after the
// cluster whose CA is the cluster's. A context of that name for other nodes is kept.
func removeContext(g *globals, name string, ca []byte, out io.Writer) error {
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
	cctx, ok := c.Contexts[name]
	switch {
	case !ok:
		return nil
	case ca == nil || !bytes.Equal(cctx.CA, ca):
		_, _ = fmt.Fprintf(out, "context %q in %s kept: it is not this cluster's (another CA)\n", name, path)
		return nil
	}
	delete(c.Contexts, name)
	if c.Context == name {
		c.Context = ""
	}
	if err := c.Save(path, true); err != nil {
		return err
	}
	_, _ = fmt.Fprintf(out, "context %q removed from %s\n", name, path)
	return nil
}
