package cairnctl

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
)

// newConfigCmd builds `cairnctl config`, which manages the client configuration. Each
// subcommand is in its own config_*.go file.
func newConfigCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Manage the client configuration (cairnconfig): contexts, endpoints, nodes, credentials",
		Long: `Manage the client configuration. Its path is --cairnconfig, else $CAIRNCONFIG, else
cairn/config in the user's configuration directory. Commands that change it rewrite it
atomically with mode 0600.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(
		newConfigContextsCmd(g),
		newConfigContextCmd(g),
		newConfigEndpointCmd(g),
		newConfigNodeCmd(g),
		newConfigAddCmd(g),
		newConfigMergeCmd(g),
		newConfigInfoCmd(g),
		newConfigNewCmd(g),
	)
	return cmd
}

// clientConfigPath resolves the client configuration's path from the flag and environment.
func (g *globals) clientConfigPath() (string, error) {
	return clientconfig.Path(g.cairnconfig, g.lookupEnv)
}

// loadClientConfig reads the client configuration, which must exist.
func (g *globals) loadClientConfig() (*clientconfig.Config, error) {
	path, err := g.clientConfigPath()
	if err != nil {
		return nil, err
	}
	c, err := clientconfig.Load(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no client configuration at %s: cairnctl cluster create writes one for a local cluster; "+
			"for other nodes, cairnctl gen config (a new cluster) or config new --secrets (from its secrets.yaml) writes one, "+
			"config merge FILE takes the contexts of another; --cairnconfig or $CAIRNCONFIG names another file", path)
	}
	return c, err
}

// editClientConfig loads the client configuration (an empty one if missing when allowMissing),
// applies edit and saves the result.
func (g *globals) editClientConfig(allowMissing bool, edit func(c *clientconfig.Config) error) error {
	var c *clientconfig.Config
	path, err := g.clientConfigPath()
	if err != nil {
		return err
	}
	if allowMissing {
		c, err = clientconfig.LoadOrNew(path)
	} else {
		c, err = g.loadClientConfig()
	}
	if err != nil {
		return err
	}
	if err := edit(c); err != nil {
		return err
	}
	return c.Save(path, true)
}

// outputFlag registers -o/--output for commands that print a table by default.
func outputFlag(cmd *cobra.Command, dst *string) {
	cmd.Flags().StringVarP(dst, "output", "o", "table", "output format: table, json or yaml")
}

// writeStructured prints v as JSON or YAML, or returns false for the table format.
func writeStructured(w io.Writer, format string, v any) (bool, error) {
	switch format {
	case "table", "":
		return false, nil
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return true, enc.Encode(v)
	case "yaml":
		enc := yaml.NewEncoder(w)
		enc.SetIndent(2)
		if err := enc.Encode(v); err != nil {
			return true, err
		}
		return true, enc.Close()
	default:
		return true, fmt.Errorf("unknown output format %q: want table, json or yaml", format)
	}
}
