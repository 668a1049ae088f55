package cairnctl

import (
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/internal/provision/qemu"
)

type clusterServeFlags struct {
	dir string
}

// newClusterServeCmd is the cluster daemon that cluster create starts; not for people.
func newClusterServeCmd(_ *globals) *cobra.Command {
	f := &clusterServeFlags{}
	cmd := &cobra.Command{
		Use:    "serve",
		Short:  "Run a local cluster's namespace, servers, forwards and VMs (started by cluster create)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil)).With("component", "cluster-daemon")
			return qemu.Serve(ctx, log, f.dir)
		},
	}
	cmd.Flags().StringVar(&f.dir, "dir", "", "cluster state directory")
	return cmd
}
