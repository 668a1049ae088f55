package cairnctl

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/config/patch"
	"github.com/cairn-os/cairn/pkg/machinery/constants"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
	"github.com/cairn-os/cairn/pkg/machinery/secrets"
)

// Output types of gen config, in the order they are written.
const (
	outControlPlane = "controlplane"
	outWorker       = "worker"
	outCairnconfig  = "cairnconfig"
)

var outputTypes = []string{outControlPlane, outWorker, outCairnconfig}

// outputFile names the file of each output type.
var outputFile = map[string]string{
	outControlPlane: "controlplane.yaml", outWorker: "worker.yaml", outCairnconfig: "cairnconfig",
}

type genConfigFlags struct {
	withSecrets       string
	patches           []string
	patchesCP         []string
	patchesWorker     []string
	kubernetesVersion string
	installDisk       string
	trustedImageKeys  []string
	outputTypes       []string
	outputDir         string
	force             bool
}

func newGenConfigCmd(_ *globals) *cobra.Command {
	f := &genConfigFlags{}
	cmd := &cobra.Command{
		Use:   "config NAME https://ENDPOINT:6443",
		Short: "Generate the machine configurations and a cairnconfig for a new cluster",
		Long: `Generate controlplane.yaml, worker.yaml and cairnconfig (an os:admin client configuration) for
a cluster named NAME whose Kubernetes API is reached at ENDPOINT.

The cluster's secrets come from --with-secrets (see cairnctl gen secrets); without it fresh
secrets are generated in memory and not saved, so more configurations for the same cluster can
only be made from the files written here. Patches (--config-patch*, repeatable) are RFC 6902 JSON
patches or strategic-merge patches, inline or @FILE; see docs/config.md. Both configurations are
validated after patching, and nothing is written unless everything succeeded. Existing files are
never replaced without --force. Files are written with mode 0600: they hold keys.`,
		Example: `  cairnctl gen secrets -o secrets.yaml
  cairnctl gen config prod https://192.0.2.10:6443 --with-secrets secrets.yaml \
    --config-patch '{machine: {network: {nameservers: [192.0.2.53]}}}' \
    --config-patch-control-plane @cp-patch.yaml -o _out`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.run(cmd, args[0], args[1])
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.withSecrets, "with-secrets", "", "secrets bundle to use (default: generate fresh secrets in memory)")
	fl.StringArrayVar(&f.patches, "config-patch", nil, "patch applied to both configurations, inline or @FILE (repeatable)")
	fl.StringArrayVar(&f.patchesCP, "config-patch-control-plane", nil, "patch applied to the controlplane configuration, inline or @FILE (repeatable)")
	fl.StringArrayVar(&f.patchesWorker, "config-patch-worker", nil, "patch applied to the worker configuration, inline or @FILE (repeatable)")
	fl.StringVar(&f.kubernetesVersion, "kubernetes-version", constants.DefaultKubernetesVersion, "Kubernetes version of the cluster")
	fl.StringVar(&f.installDisk, "install-disk", "/dev/vda", "disk the nodes install to (empty: none, for container mode)")
	fl.StringArrayVar(&f.trustedImageKeys, "trusted-image-key", nil, "public key (PEM file, from cairnctl gen image-key) whose signed OS images the nodes accept for upgrades and installs (repeatable)")
	fl.StringSliceVar(&f.outputTypes, "output-types", outputTypes, "what to write: "+strings.Join(outputTypes, ","))
	fl.StringVarP(&f.outputDir, "output", "o", ".", "directory to write the files to")
	fl.BoolVar(&f.force, "force", false, "overwrite existing files")
	return cmd
}

func (f *genConfigFlags) run(cmd *cobra.Command, name, endpoint string) error {
	for _, t := range f.outputTypes {
		if !slices.Contains(outputTypes, t) {
			return fmt.Errorf("--output-types: unknown type %q (want %s)", t, strings.Join(outputTypes, ", "))
		}
	}
	b, err := f.secrets()
	if err != nil {
		return err
	}
	keys, err := readTrustedKeys(f.trustedImageKeys)
	if err != nil {
		return err
	}
	in := config.GenerateInput{ClusterName: name, Endpoint: endpoint, Secrets: b,
		KubernetesVersion: f.kubernetesVersion, InstallDisk: f.installDisk, TrustedImageKeys: keys}
	files, err := f.generate(in)
	if err != nil {
		return err
	}
	written, err := writeAll(f.outputDir, files, f.force)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	for _, p := range written {
		if _, err := fmt.Fprintf(out, "wrote %s\n", p); err != nil {
			return err
		}
	}
	if f.withSecrets == "" {
		_, err = fmt.Fprintln(cmd.ErrOrStderr(), "note: the secrets were generated in memory and not saved; use cairnctl gen secrets and --with-secrets to make more configurations for this cluster later")
	}
	return err
}

// readTrustedKeys reads --trusted-image-key files, each one PEM ECDSA P-256 public key.
func readTrustedKeys(files []string) ([]pki.PEMBytes, error) {
	var keys []pki.PEMBytes
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("--trusted-image-key: %w", err)
		}
		if _, err := pki.ParsePublicKey(data); err != nil {
			return nil, fmt.Errorf("--trusted-image-key %s: %w (want the .pub file of cairnctl gen image-key)", f, err)
		}
		keys = append(keys, data)
	}
	return keys, nil
}

// secrets loads --with-secrets or generates a fresh bundle.
func (f *genConfigFlags) secrets() (*secrets.Bundle, error) {
	if f.withSecrets == "" {
		return secrets.New(secrets.Options{})
	}
	return secrets.LoadFile(f.withSecrets)
}

// generate builds, patches, validates and encodes every requested output, in memory.
func (f *genConfigFlags) generate(in config.GenerateInput) ([]outputData, error) {
	cp, worker, err := config.Generate(in)
	if err != nil {
		return nil, err
	}
	mode := config.ModeMetal
	if in.InstallDisk == "" {
		mode = config.ModeContainer
	}
	if cp, err = patchAndValidate(cp, mode, f.patches, f.patchesCP); err != nil {
		return nil, fmt.Errorf("controlplane config: %w", err)
	}
	if worker, err = patchAndValidate(worker, mode, f.patches, f.patchesWorker); err != nil {
		return nil, fmt.Errorf("worker config: %w", err)
	}
	var files []outputData
	for _, t := range outputTypes {
		if !slices.Contains(f.outputTypes, t) {
			continue
		}
		data, err := encodeOutput(t, cp, worker, in)
		if err != nil {
			return nil, err
		}
		files = append(files, outputData{name: outputFile[t], data: data})
	}
	return files, nil
}

// patchAndValidate applies the patch specs to c and validates the result for mode.
func patchAndValidate(c *config.Config, mode config.Mode, specs ...[]string) (*config.Config, error) {
	patches, err := patch.LoadAll(slices.Concat(specs...))
	if err != nil {
		return nil, err
	}
	if len(patches) > 0 {
		if c, err = patch.Apply(c, patches); err != nil {
			return nil, err
		}
	}
	if err := c.Validate(mode); err != nil {
		return nil, invalidConfigError("", mode, err)
	}
	return c, nil
}

// encodeOutput encodes one output type.
func encodeOutput(t string, cp, worker *config.Config, in config.GenerateInput) ([]byte, error) {
	switch t {
	case outControlPlane:
		return cp.Encode()
	case outWorker:
		return worker.Encode()
	default:
		cc, err := config.GenerateClientConfig(in)
		if err != nil {
			return nil, err
		}
		return cc.Encode()
	}
}
