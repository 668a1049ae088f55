package cairnctl

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/config"
)

type validateFlags struct {
	file string
	mode string
}

func newValidateCmd(_ *globals) *cobra.Command {
	f := &validateFlags{}
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check a machine configuration and print every problem in it",
		Long: `Decode a machine configuration strictly (unknown fields are errors) and validate it for the
given mode. Every problem is printed with the path and value of its field; the exit code is 1
when there is any. Container mode does not require what a container cannot do (install disk,
kernel modules).`,
		Example: `  cairnctl validate -c controlplane.yaml --mode metal`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.run(cmd)
		},
	}
	cmd.Flags().StringVarP(&f.file, "config", "c", "", "machine configuration file to check (required)")
	cmd.Flags().StringVarP(&f.mode, "mode", "m", "metal", "metal or container")
	_ = cmd.MarkFlagRequired("config")
	return cmd
}

func (f *validateFlags) run(cmd *cobra.Command) error {
	mode, err := config.ParseMode(f.mode)
	if err != nil {
		return fmt.Errorf("--mode: %w", err)
	}
	c, err := config.Load(f.file)
	if err != nil {
		return err
	}
	if err := c.Validate(mode); err != nil {
		return invalidConfigError(f.file, mode, err)
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s is valid for %s mode\n", f.file, mode)
	return err
}
