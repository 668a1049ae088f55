package cairnctl

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/internal/pkg/etcdops"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
)

func newBootstrapCmd(g *globals) *cobra.Command {
	var recoverFrom string
	cmd := &cobra.Command{
		Use:   "bootstrap",
		Short: "Initialise etcd and the Kubernetes control plane on one control-plane node, once per cluster",
		Long: `Initialise the cluster: the target control-plane node creates etcd as a one-member cluster and
starts the Kubernetes control plane on it; the other control planes then join its etcd (as
learners, promoted once caught up) and the workers join Kubernetes. Run it once, against exactly
one control-plane node (--nodes, or the endpoint itself). It needs the os:admin role.

With --recover-from FILE, etcd starts from a snapshot (cairnctl etcd snapshot) instead of empty:
the node checks the snapshot's sha256 and restores it with etcdutl in a scratch directory before
it touches etcd's data directory, so a corrupt or truncated snapshot is refused with nothing
changed (cairnctl checks the sha256 before sending, too). The cluster's configuration must
carry the same cluster secrets as the one the snapshot came from.

The node refuses, and changes nothing, when it is a worker, has no configuration yet, or is
already bootstrapped. The call returns once the node accepted it; follow the start with
cairnctl health --wait 10m.`,
		Example: `  cairnctl bootstrap -n 10.5.0.2
  cairnctl etcd snapshot backup.db -n 10.5.0.2                  # on the old cluster
  cairnctl bootstrap -n 10.5.0.2 --recover-from backup.db       # on a fresh control plane`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(g.nodes) > 1 {
				return fmt.Errorf("bootstrap runs on exactly one control-plane node, not %d: name one with --nodes", len(g.nodes))
			}
			if recoverFrom != "" {
				return runBootstrapRecover(cmd, g, recoverFrom)
			}
			return runAction(cmd, g, nil, func(ctx context.Context, c *client.Client) (*machine.ActionResponse, error) {
				return c.Machine.Bootstrap(ctx, &machine.BootstrapRequest{})
			})
		},
	}
	cmd.Flags().StringVar(&recoverFrom, "recover-from", "", "etcd snapshot FILE (from cairnctl etcd snapshot) to start etcd from")
	return cmd
}

// runBootstrapRecover checks the snapshot, then sends it to the node with BootstrapRecover.
func runBootstrapRecover(cmd *cobra.Command, g *globals, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	size, err := etcdops.CopySnapshot(io.Discard, f)
	if err != nil {
		return fmt.Errorf("--recover-from %s: %w; nothing was sent", path, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	s, err := g.connect(nil)
	if err != nil {
		return err
	}
	defer s.Close()
	st, err := s.c.Machine.BootstrapRecover(s.ctx(cmd.Context()))
	if err != nil {
		return apiError(err)
	}
	p := &progress{w: cmd.ErrOrStderr(), what: path, every: time.Second, size: size}
	send := func(b []byte) error { return st.Send(&machine.BootstrapRecoverRequest{Chunk: b}) }
	if err := sendChunks(send, f, p); err != nil {
		return err
	}
	resp, err := st.CloseAndRecv()
	if err != nil {
		return apiError(err)
	}
	p.done("restored")
	return eachNode(resp.GetMessages(), func(m *machine.Action) error {
		_, _ = fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", replyNode(m.GetMetadata()), printable(m.GetMessage()))
		return nil
	})
}
