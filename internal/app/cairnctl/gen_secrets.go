package cairnctl

import (
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/secrets"
)

type genSecretsFlags struct {
	output string
	force  bool
}

func newGenSecretsCmd(g *globals) *cobra.Command {
	f := &genSecretsFlags{}
	cmd := &cobra.Command{
		Use:   "secrets",
		Short: "Generate a new cluster secrets bundle",
		Long: `Generate a cluster's secrets: the OS API, Kubernetes, etcd and front-proxy CAs (ECDSA P-256),
the service-account key, a Kubernetes bootstrap token, the node join token, the cluster ID and
secret, and the Kubernetes encryption-at-rest key. The file is written with mode 0600 and is
never overwritten without --force. Keep it safe: it is every key of the cluster.`,
		Example: `  cairnctl gen secrets -o secrets.yaml`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.run(cmd, g)
		},
	}
	cmd.Flags().StringVarP(&f.output, "output", "o", "secrets.yaml", "file to write")
	cmd.Flags().BoolVar(&f.force, "force", false, "overwrite the file if it exists")
	return cmd
}

func (f *genSecretsFlags) run(cmd *cobra.Command, _ *globals) error {
	b, err := secrets.New(secrets.Options{})
	if err != nil {
		return err
	}
	if err := b.WriteFile(f.output, f.force); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists: pass --force to overwrite it", f.output)
		}
		return err
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(),
		"wrote %s (mode %04o): cluster %s\n  CAs (OS API, Kubernetes, etcd, front-proxy) valid until %s\n  service-account key, bootstrap and join tokens, cluster secret, encryption key\n",
		f.output, secrets.FileMode, b.Cluster.ID, b.Certs.OS.Certificate.NotAfter.Format(time.DateOnly))
	return err
}
