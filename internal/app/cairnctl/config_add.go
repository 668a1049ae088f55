package cairnctl

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
)

type configAddFlags struct {
	ca, crt, key string
}

func newConfigAddCmd(g *globals) *cobra.Command {
	f := &configAddFlags{}
	cmd := &cobra.Command{
		Use:   "add NAME",
		Short: "Add a context from PEM files of the CA, client certificate and key",
		Long: `Add a context to the client configuration (created if missing). Its endpoints and nodes
are the --endpoints and --nodes given, if any. It becomes current if no context is.`,
		Example: `  cairnctl config add prod --ca ca.crt --crt admin.crt --key admin.key -e 10.5.0.2`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.run(cmd, g, args[0])
		},
	}
	cmd.Flags().StringVar(&f.ca, "ca", "", "PEM file of the OS API CA certificate")
	cmd.Flags().StringVar(&f.crt, "crt", "", "PEM file of the client certificate")
	cmd.Flags().StringVar(&f.key, "key", "", "PEM file of the client key")
	_ = cmd.MarkFlagRequired("ca")
	return cmd
}

func (f *configAddFlags) run(cmd *cobra.Command, g *globals, name string) error {
	ctx := &clientconfig.Context{Endpoints: g.endpoints, Nodes: g.nodes}
	for _, in := range []struct {
		path string
		dst  *[]byte
	}{{f.ca, (*[]byte)(&ctx.CA)}, {f.crt, (*[]byte)(&ctx.Crt)}, {f.key, (*[]byte)(&ctx.Key)}} {
		if in.path == "" {
			continue
		}
		data, err := os.ReadFile(in.path)
		if err != nil {
			return err
		}
		*in.dst = data
	}
	err := g.editClientConfig(true, func(c *clientconfig.Config) error {
		if err := c.Add(name, ctx, false); err != nil {
			return err
		}
		if c.Context == "" {
			c.Context = name
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "added context %q\n", name)
	return err
}
