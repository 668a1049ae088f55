package cairnctl

import (
	"bufio"
	"crypto/ecdsa"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/internal/app/imager"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

func newImageCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "image",
		Short: "Build Cairn boot images; import and list the nodes' container images",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newImageBuildCmd(g), newImageImportCmd(g), newImageListCmd(g))
	return cmd
}

type imageBuildFlags struct {
	out, cache, manifest, source string
	formats, toolImages          []string
	signKey, tag                 string
}

func newImageBuildCmd(g *globals) *cobra.Command {
	f := &imageBuildFlags{}
	cmd := &cobra.Command{
		Use:   "build",
		Short: "Build vmlinuz, initramfs and rootfs.sqsh, and raw or ISO images, from the pinned image manifest",
		Long: `Build the boot assets from the pinned inputs of the image manifest: it downloads the Debian
kernel package with apt-get (verified against its sha256), builds the Go binaries, packs the
root with mksquashfs and writes a newc initramfs. Needs apt-get, dpkg-deb, mksquashfs, unsquashfs
and Go, and must run inside the Cairn source tree. The same inputs give the same bytes.

--format raw adds cairn.raw, a sparse GPT disk image booting under UEFI (systemd-boot from the
pinned Debian package) from slot A: the squashfs root under dm-verity, its root hash on the
kernel command line. --format iso (needs --sign-key) adds cairn.iso, a UEFI-bootable ISO 9660
image that boots the root in RAM (maintenance mode until the node gets a config), and
initramfs-install, the initramfs it boots (for PXE too, with vmlinuz): the ordinary initramfs
plus cairn.img. A node booted from it with a config naming machine.install.disk checks the
image's signature against machine.upgrade.trustedKeys, writes the disk (machine.install.wipe
to overwrite one that holds data) and reboots from it. cairn.raw is reproducible like the
rest; cairn.iso is not byte for byte (go-diskfs stamps its volume descriptors and Rock Ridge
entries with the time of the build), but every file in it is.

--sign-key FILE (a private key from cairnctl gen image-key) adds cairn.img, the signed OS
image that cairnctl upgrade streams to a node: the slot's kernel, disk initramfs, verity'd
root and boot loader, listed with their sha256 in a manifest signed with ECDSA P-256. Nodes
accept it only when machine.upgrade.trustedKeys lists the key's public half. --tag sets the
version stamped into the binaries and the image (default: git describe).

--tool-images NAME builds the manifest's tool image NAME instead of the boot assets: an OCI
image never placed in a node's root, carrying tools a Job needs and a node must not have (a
shell, ps, find). It writes OUT/NAME.tar, an OCI image layout tarball for cairnctl image import
(or ctr images import), and OUT/NAME.json: its reference, digest, sha256 and size, its Debian
packages and files, and the Go build info of its binaries. kube-bench is the unmodified
kube-bench v0.15.1 with its cfg/, kubectl and the commands its audits run, as
cairn.local/kube-bench:v0.15.1 (make kube-bench-image); busybox, agnhost and jessie-dnsutils
are the images Kubernetes' conformance tests run, under cairn.local/e2e-test-images (make
conformance-images):

  cairnctl image build --tool-images kube-bench --out _out/image
  cairnctl image import -n 10.5.0.2,10.5.0.3 _out/image/kube-bench.tar`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd, g) },
	}
	cmd.Flags().StringVar(&f.out, "out", "_out/image", "directory for vmlinuz, initramfs, rootfs.sqsh and manifest.json")
	cmd.Flags().StringVar(&f.cache, "cache", "_cache", "directory for downloaded and extracted inputs")
	cmd.Flags().StringVar(&f.manifest, "manifest", "", "image manifest (default: the one built into cairnctl, internal/app/imager/manifest.yaml)")
	cmd.Flags().StringArrayVar(&f.formats, "format", nil, "output formats: initramfs (always built), raw, iso (needs --sign-key); repeat the flag or list them with commas")
	cmd.Flags().StringVar(&f.source, "source", "", "root of the Cairn source tree (default: found from the current directory)")
	cmd.Flags().StringVar(&f.signKey, "sign-key", "", "private key (PEM, from cairnctl gen image-key) signing cairn.img; implies --format signed")
	cmd.Flags().StringVar(&f.tag, "tag", "", "version stamped into the image, e.g. v0.2.0 (default: git describe)")
	cmd.Flags().StringSliceVar(&f.toolImages, "tool-images", nil, "build these tool images of the manifest (e.g. kube-bench) instead of the boot assets: OUT/NAME.tar and OUT/NAME.json")
	return cmd
}

func (f *imageBuildFlags) run(cmd *cobra.Command, g *globals) error {
	formats, err := imager.ParseFormats(f.formats)
	if err != nil {
		return err
	}
	m, err := imager.DefaultManifest()
	if f.manifest != "" {
		m, err = imager.LoadManifest(f.manifest)
	}
	if err != nil {
		return err
	}
	src := f.source
	if src == "" {
		if src, err = findSource(); err != nil {
			return err
		}
	}
	epoch, err := sourceDateEpoch(g, src)
	if err != nil {
		return err
	}
	if len(f.toolImages) > 0 {
		return f.runTools(cmd, imager.Options{Manifest: m, Source: src, Cache: f.cache, Out: f.out, Epoch: epoch, Progress: cmd.OutOrStdout()})
	}
	key, formats, err := f.signing(formats)
	if err != nil {
		return err
	}
	_, err = imager.Build(cmd.Context(), imager.Options{
		Manifest: m, Source: src, Cache: f.cache, Out: f.out, Epoch: epoch, Formats: formats, Progress: cmd.OutOrStdout(),
		SignKey: key, Tag: f.tag,
	})
	return err
}

// runTools builds the tool images named by --tool-images, which build no boot assets: the
// flags that shape those are refused rather than ignored.
func (f *imageBuildFlags) runTools(cmd *cobra.Command, o imager.Options) error {
	for _, name := range []string{"format", "sign-key", "tag"} {
		if cmd.Flags().Changed(name) {
			return fmt.Errorf("--%s does not apply to --tool-images, which builds no boot assets", name)
		}
	}
	_, err := imager.BuildToolImages(cmd.Context(), o, f.toolImages)
	return err
}

// tagRe is what --tag accepts: the versions an OS image manifest accepts.
var tagRe = regexp.MustCompile(`^v[0-9][0-9A-Za-z.+_-]{0,62}$`)

// signing reads --sign-key (adding the signed format) and checks --tag.
func (f *imageBuildFlags) signing(formats []string) (*ecdsa.PrivateKey, []string, error) {
	if f.tag != "" && !tagRe.MatchString(f.tag) {
		return nil, nil, fmt.Errorf("--tag %q: want a version such as v0.2.0 (v, a digit, then up to 62 of [0-9A-Za-z.+_-])", f.tag)
	}
	if f.signKey == "" {
		return nil, formats, nil
	}
	data, err := os.ReadFile(f.signKey)
	if err != nil {
		return nil, nil, fmt.Errorf("--sign-key: %w", err)
	}
	key, err := pki.ParsePrivateKey(data)
	if err != nil {
		return nil, nil, fmt.Errorf("--sign-key %s: %w", f.signKey, err)
	}
	if !slices.Contains(formats, imager.FormatSigned) {
		formats = append(formats, imager.FormatSigned)
	}
	return key, formats, nil
}

// findSource walks up from the working directory to the go.mod of the Cairn module.
func findSource() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if f, err := os.Open(filepath.Join(dir, "go.mod")); err == nil {
			sc := bufio.NewScanner(f)
			sc.Scan()
			_ = f.Close()
			if strings.TrimSpace(sc.Text()) == "module github.com/cairn-os/cairn" {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("not inside the Cairn source tree (no go.mod of github.com/cairn-os/cairn above the working directory); use --source")
		}
		dir = parent
	}
}

// sourceDateEpoch is $SOURCE_DATE_EPOCH, else the last commit's time, else 0.
func sourceDateEpoch(g *globals, src string) (int64, error) {
	if v, ok := g.lookupEnv("SOURCE_DATE_EPOCH"); ok && v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("SOURCE_DATE_EPOCH: %q is not a non-negative number of seconds", v)
		}
		return n, nil
	}
	c := exec.Command("git", "log", "-1", "--format=%ct")
	c.Dir = src
	if out, err := c.Output(); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64); err == nil {
			return n, nil
		}
	}
	return 0, nil
}
