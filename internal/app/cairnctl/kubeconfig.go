package cairnctl

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/atomicfile"
	"github.com/cairn-os/cairn/pkg/machinery/client"
)

type kubeconfigFlags struct {
	force       bool
	merge       bool
	contextName string
}

func newKubeconfigCmd(g *globals) *cobra.Command {
	f := &kubeconfigFlags{}
	cmd := &cobra.Command{
		Use:   "kubeconfig [PATH]",
		Short: "Fetch an admin kubeconfig from a control-plane node and merge it into your kubeconfig",
		Long: `Fetch a freshly issued admin kubeconfig (a client certificate in the kubeadm:cluster-admins
group, valid for a year) from a control-plane node, for kubectl. It needs the os:admin role.

Where it goes:
  (no PATH)   merged into the first file of $KUBECONFIG, else ~/.kube/config
  PATH        merged into PATH; if PATH is a directory, into PATH/kubeconfig
  -           written to standard output (the only way the private key is printed)

Merging names the new cluster, user and context admin@CLUSTER (or --context-name), makes that
context current and keeps everything else in the file. An existing entry of the same name is
replaced only with --force. With --merge=false the file is written whole, and an existing file
is replaced only with --force. Files are written with mode 0600.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return f.run(cmd, g, args) },
	}
	cmd.Flags().BoolVarP(&f.force, "force", "f", false, "replace entries of the same name (or, with --merge=false, the whole file)")
	cmd.Flags().BoolVarP(&f.merge, "merge", "m", true, "merge into an existing kubeconfig instead of replacing it")
	cmd.Flags().StringVar(&f.contextName, "context-name", "", "name of the cluster, user and context to add (default admin@CLUSTER)")
	return cmd
}

func (f *kubeconfigFlags) run(cmd *cobra.Command, g *globals, args []string) error {
	kc, err := fetchKubeconfig(cmd.Context(), g, f.contextName)
	if err != nil {
		return err
	}
	if len(args) == 1 && args[0] == "-" {
		data, err := kc.encode()
		if err != nil {
			return err
		}
		_, err = cmd.OutOrStdout().Write(data)
		return err
	}
	path, err := f.target(g, args)
	if err != nil {
		return err
	}
	how, err := f.write(path, kc)
	if err != nil {
		return fmt.Errorf("kubeconfig %s: %w", path, err)
	}
	_, _ = fmt.Fprintf(cmd.OutOrStdout(), "%s context %q in %s and made it current: kubectl --kubeconfig %s get nodes\n", how, kc.CurrentContext, path, path)
	return nil
}

// fetchKubeconfig asks one control-plane node for an admin kubeconfig and names its cluster,
// user and context name (default admin@CLUSTER).
func fetchKubeconfig(ctx context.Context, g *globals, name string) (*kubeconfigFile, error) {
	s, err := g.connect(nil)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	if len(s.nodes) > 1 {
		return nil, fmt.Errorf("a kubeconfig comes from one control-plane node, not %d: name one with --nodes", len(s.nodes))
	}
	node := ""
	if len(s.nodes) == 1 {
		node = s.nodes[0]
	}
	m, err := requestKubeconfig(ctx, s.c, node)
	if err != nil {
		return nil, err
	}
	kc, err := parseKubeconfig(m.GetData())
	if err != nil {
		return nil, fmt.Errorf("the node's kubeconfig: %w", err)
	}
	if name == "" {
		name = "admin@" + m.GetClusterName()
	}
	return kc, kc.renameAdmin(name)
}

// requestKubeconfig makes the Kubeconfig call to node ("": the endpoint itself).
func requestKubeconfig(ctx context.Context, c *client.Client, node string) (*machine.Kubeconfig, error) {
	if node != "" {
		ctx = client.WithNodes(ctx, node)
	}
	resp, err := c.Machine.Kubeconfig(ctx, &common.Empty{})
	if err != nil {
		return nil, apiError(err)
	}
	return oneReply(resp.GetMessages(), "Kubeconfig")
}

// target is the file to write: PATH (or PATH/kubeconfig for a directory), else the first
// file of $KUBECONFIG, else ~/.kube/config.
func (f *kubeconfigFlags) target(g *globals, args []string) (string, error) {
	if len(args) == 1 {
		if st, err := os.Stat(args[0]); err == nil && st.IsDir() {
			return filepath.Join(args[0], "kubeconfig"), nil
		}
		return args[0], nil
	}
	if v, ok := g.lookupEnv("KUBECONFIG"); ok {
		for _, p := range filepath.SplitList(v) {
			if p != "" {
				return p, nil
			}
		}
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no PATH given, $KUBECONFIG unset and no home directory: %w", err)
	}
	return filepath.Join(home, ".kube", "config"), nil
}

// write merges kc into path (or writes it whole) with mode 0600 and says what it did.
func (f *kubeconfigFlags) write(path string, kc *kubeconfigFile) (string, error) {
	old, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "wrote", writeKubeconfig(path, kc, false)
	case err != nil:
		return "", err
	case !f.merge && !f.force:
		return "", errors.New("the file exists: pass --force to replace it, or merge into it (--merge, the default)")
	case !f.merge:
		return "replaced the file with", writeKubeconfig(path, kc, true)
	}
	have, err := parseKubeconfig(old)
	if err != nil {
		return "", err
	}
	if err := have.merge(kc, f.force); err != nil {
		return "", err
	}
	return "merged", writeKubeconfig(path, have, true)
}

// writeKubeconfig writes kc to path, mode 0600, creating its directory (0700) if need be.
func writeKubeconfig(path string, kc *kubeconfigFile, overwrite bool) error {
	data, err := kc.encode()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return atomicfile.Write(path, data, 0o600, overwrite)
}
