package cairnctl

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/atomicfile"
	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/config/patch"
)

type machineConfigPatchFlags struct {
	patches []string
	output  string
	mode    string
}

func newMachineConfigPatchCmd(_ *globals) *cobra.Command {
	f := &machineConfigPatchFlags{}
	cmd := &cobra.Command{
		Use:   "patch FILE",
		Short: "Apply patches to a machine configuration file",
		Long: `Apply patches (RFC 6902 JSON patches or strategic-merge patches, inline or @FILE, in the order
given) to a machine configuration, validate the result and print it, or write it to --output
(atomically, mode 0600; OUT may be FILE itself). A patch that does not apply or that produces
an invalid configuration is an error that names every problem, and nothing is written.`,
		Example: `  cairnctl machineconfig patch worker.yaml -p '{machine: {network: {hostname: w-1}}}' -o w-1.yaml
  cairnctl machineconfig patch controlplane.yaml -p @patch.yaml -p '[{"op": "remove", "path": "/machine/certSANs"}]'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.run(cmd, args[0])
		},
	}
	cmd.Flags().StringArrayVarP(&f.patches, "patch", "p", nil, "patch, inline or @FILE (repeatable; at least one)")
	cmd.Flags().StringVarP(&f.output, "output", "o", "", "file to write (default: standard output)")
	cmd.Flags().StringVarP(&f.mode, "mode", "m", "metal", "validate the result for metal or container mode")
	_ = cmd.MarkFlagRequired("patch")
	return cmd
}

func (f *machineConfigPatchFlags) run(cmd *cobra.Command, file string) error {
	mode, err := config.ParseMode(f.mode)
	if err != nil {
		return fmt.Errorf("--mode: %w", err)
	}
	c, err := config.Load(file)
	if err != nil {
		return err
	}
	patches, err := patch.LoadAll(f.patches)
	if err != nil {
		return err
	}
	patched, err := patch.Apply(c, patches)
	if err != nil {
		return err
	}
	if err := patched.Validate(mode); err != nil {
		return invalidConfigError("patched "+file, mode, err)
	}
	data, err := patched.Encode()
	if err != nil {
		return err
	}
	if f.output == "" {
		_, err = cmd.OutOrStdout().Write(data)
		return err
	}
	return atomicfile.Write(f.output, data, secretFileMode, true)
}
