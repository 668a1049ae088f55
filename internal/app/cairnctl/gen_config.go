package cairnctl

import (
	"errors"

	"github.com/spf13/cobra"
)

// newGenConfigCmd is a placeholder until `gen config` lands; its owner replaces this file.
func newGenConfigCmd(_ *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "config NAME ENDPOINT",
		Short: "Generate machine configurations and a cairnconfig for a new cluster (not yet available)",
		Args:  cobra.ArbitraryArgs,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("gen config is not available yet")
		},
	}
}
