package cairnctl

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/internal/pkg/osimage"
	"github.com/cairn-os/cairn/pkg/machinery/atomicfile"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

type genImageKeyFlags struct {
	output string
	force  bool
}

func newGenImageKeyCmd(_ *globals) *cobra.Command {
	f := &genImageKeyFlags{}
	cmd := &cobra.Command{
		Use:   "image-key",
		Short: "Generate the key pair that signs Cairn OS images",
		Long: `Generate an ECDSA P-256 key pair for signing Cairn OS images: PREFIX.key (the private key,
mode 0600: keep it where images are built, never on a node) and PREFIX.pub (the public key,
which goes into machine.upgrade.trustedKeys of every node that should accept the images).
Neither file is overwritten without --force. The key ID printed is the sha256 of the public
key, the name upgrade errors use.`,
		Example: `  cairnctl gen image-key -o image-signing
  cairnctl image build --format raw --sign-key image-signing.key
  cairnctl gen config --trusted-image-key image-signing.pub ...`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.run(cmd)
		},
	}
	cmd.Flags().StringVarP(&f.output, "output", "o", "image-signing", "prefix of the files to write (PREFIX.key and PREFIX.pub)")
	cmd.Flags().BoolVar(&f.force, "force", false, "overwrite the files if they exist")
	return cmd
}

func (f *genImageKeyFlags) run(cmd *cobra.Command) error {
	if f.output == "" || strings.HasSuffix(f.output, "/") {
		return fmt.Errorf("--output %q: want a file prefix such as image-signing", f.output)
	}
	key, err := pki.GenerateKey()
	if err != nil {
		return err
	}
	pub, err := pki.EncodePublicKey(&key.PublicKey)
	if err != nil {
		return err
	}
	keyFile, pubFile := f.output+".key", f.output+".pub"
	for _, w := range []struct {
		path string
		data []byte
		mode fs.FileMode
	}{{keyFile, pki.EncodePrivateKey(key), 0o600}, {pubFile, pub, 0o644}} {
		if err := atomicfile.Write(w.path, w.data, w.mode, f.force); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("%s already exists: pass --force to overwrite it", w.path)
			}
			return err
		}
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (mode 0600) and %s: image signing key %s\n", keyFile, pubFile, osimage.KeyID(&key.PublicKey))
	return err
}
