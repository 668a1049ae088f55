package imager

import (
	"archive/tar"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// ImageResult records one OCI image tarball of the root in manifest.json.
type ImageResult struct {
	Ref    string `json:"ref"`
	Path   string `json:"path"`
	Digest string `json:"digest"` // of the image manifest, as containerd lists it
	SHA256 string `json:"sha256"` // of the tarball
	Size   int64  `json:"size"`
}

// fileCapabilities are the capabilities an image's binary may carry, by number.
var fileCapabilities = map[string]uint{"CAP_NET_BIND_SERVICE": 10}

// capabilityXattr encodes caps as a security.capability value (struct vfs_cap_data,
// revision 2): permitted and effective, nothing inheritable.
func capabilityXattr(caps []string) string {
	var permitted [2]uint32
	for _, c := range caps {
		n := fileCapabilities[c]
		permitted[n/32] |= 1 << (n % 32)
	}
	const revision2, effective = 0x02000000, 0x1
	var b [20]byte
	for i, v := range []uint32{revision2 | effective, permitted[0], 0, permitted[1], 0} {
		binary.LittleEndian.PutUint32(b[4*i:], v)
	}
	return string(b[:])
}

// ociImage packs one static binary as a single-layer linux/amd64 OCI image whose entrypoint
// is /NAME (with the image's user and file capabilities); every timestamp is the epoch.
func ociImage(bin []byte, im Image, epoch int64) (v1.Image, error) {
	when := time.Unix(epoch, 0).UTC()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	h := &tar.Header{Name: im.Binary, Mode: 0o755, Size: int64(len(bin)), ModTime: when, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	if len(im.Capabilities) > 0 {
		h.PAXRecords = map[string]string{"SCHILY.xattr.security.capability": capabilityXattr(im.Capabilities)}
	}
	if err := tw.WriteHeader(h); err != nil {
		return nil, err
	}
	if _, err := tw.Write(bin); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf.Bytes())), nil },
		tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	return newImage(layer, when, v1.Config{Entrypoint: []string{"/" + im.Binary}, User: im.User})
}

// newImage is a linux/amd64 OCI image of one layer with the configuration c, created when.
func newImage(layer v1.Layer, when time.Time, c v1.Config) (v1.Image, error) {
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err := mutate.Append(base, mutate.Addendum{Layer: layer, History: v1.History{Created: v1.Time{Time: when}, CreatedBy: "cairn image build"}})
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture, cfg.Created = "linux", "amd64", v1.Time{Time: when}
	cfg.Config = c
	return mutate.ConfigFile(img, cfg)
}

// writeOCIArchive writes img as a tarball of an OCI image layout whose index names it ref
// (io.containerd.image.name, and the tag as org.opencontainers.image.ref.name), as
// `ctr images import` and the CRI image import expect.
func writeOCIArchive(img v1.Image, ref, file, scratch string, epoch int64) (string, error) {
	tag, err := name.NewTag(ref, name.StrictValidation)
	if err != nil {
		return "", fmt.Errorf("image ref %q: %w", ref, err)
	}
	p, err := layout.Write(scratch, empty.Index)
	if err != nil {
		return "", err
	}
	err = p.AppendImage(img, layout.WithAnnotations(map[string]string{
		"io.containerd.image.name":          tag.Name(),
		"org.opencontainers.image.ref.name": tag.TagStr(),
	}))
	if err != nil {
		return "", fmt.Errorf("write OCI layout: %w", err)
	}
	digest, err := img.Digest()
	if err != nil {
		return "", err
	}
	return digest.String(), tarDir(scratch, file, epoch)
}

// tarDir writes the files under dir into a tarball, sorted, owned by root, dated epoch.
func tarDir(dir, file string, epoch int64) error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		h := &tar.Header{Name: filepath.ToSlash(rel), Mode: 0o644, ModTime: time.Unix(epoch, 0).UTC(), Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if d.IsDir() {
			h.Name, h.Mode, h.Typeflag = h.Name+"/", 0o755, tar.TypeDir
			return tw.WriteHeader(h)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		h.Size = int64(len(data))
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		_, err = tw.Write(data)
		return err
	})
	if err != nil {
		return fmt.Errorf("tar %s: %w", dir, err)
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := mkdir(path.Dir(filepath.ToSlash(file))); err != nil {
		return err
	}
	return os.WriteFile(file, buf.Bytes(), 0o644) //nolint:gosec // the image, its root and /etc are world-readable by design.
}

// stageImages builds each image of the manifest from its external binary into the root.
func (b *builder) stageImages(root, scratch string, ext []*builtExternal) ([]ImageResult, error) {
	var out []ImageResult
	for i, im := range b.m.Images {
		src := findBinary(ext, im.Binary)
		bin, err := os.ReadFile(src)
		if err != nil {
			return nil, fmt.Errorf("image %s: %w", im.Ref, err)
		}
		img, err := ociImage(bin, im, b.epoch)
		if err != nil {
			return nil, fmt.Errorf("image %s: %w", im.Ref, err)
		}
		file := filepath.Join(root, filepath.FromSlash(im.Path))
		digest, err := writeOCIArchive(img, im.Ref, file, filepath.Join(scratch, fmt.Sprintf("image-%d", i)), b.epoch)
		if err != nil {
			return nil, fmt.Errorf("image %s: %w", im.Ref, err)
		}
		sum, size, err := fileSHA256(file)
		if err != nil {
			return nil, err
		}
		b.progress("image %s (%s) written to %s", im.Ref, digest, im.Path)
		out = append(out, ImageResult{Ref: im.Ref, Path: im.Path, Digest: digest, SHA256: sum, Size: size})
	}
	return out, nil
}

// findBinary returns the cache path of the external binary called binName ("" when none:
// the manifest's validation makes sure it exists).
func findBinary(ext []*builtExternal, binName string) string {
	for _, x := range ext {
		for _, bin := range x.e.Binaries {
			if bin.Name == binName {
				return filepath.Join(x.dir, bin.Name)
			}
		}
	}
	return ""
}
