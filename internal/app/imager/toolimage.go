package imager

import (
	"context"
	"debug/buildinfo"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// ToolImageResult is NAME.json, written beside a tool image's NAME.tar.
type ToolImageResult struct {
	Name            string             `json:"name"`
	Ref             string             `json:"ref"`
	File            string             `json:"file"`
	Digest          string             `json:"digest"` // of the image manifest, as containerd lists it
	SHA256          string             `json:"sha256"` // of the tarball
	Size            int64              `json:"size"`
	SourceDateEpoch int64              `json:"sourceDateEpoch"`
	Tools           map[string]string  `json:"tools"`
	Binaries        []ToolBinaryResult `json:"binaries"`
	ModuleDirs      []ModuleDirResult  `json:"moduleDirs,omitempty"`
	Debian          *DebianResult      `json:"debian,omitempty"`
}

// ToolBinaryResult records one external binary of a tool image with its Go build info.
type ToolBinaryResult struct {
	Path     string `json:"path"`
	Binary   string `json:"binary"`
	External string `json:"external"`
	CacheKey string `json:"cacheKey"`
	SHA256   string `json:"sha256"`
	Size     int64  `json:"size"`
	// GoVersion, Package and Module (path@version of the pinned module, as the binary's
	// build info lists it) and the build settings (-ldflags, CGO_ENABLED, GOFIPS140, ...).
	GoVersion string            `json:"goVersion"`
	Package   string            `json:"package"`
	Module    string            `json:"module"`
	Settings  map[string]string `json:"settings"`
}

// ModuleDirResult records a directory copied from a pinned Go module.
type ModuleDirResult struct {
	ModuleDir
	Module string `json:"module"` // path@version
	Sum    string `json:"sum"`    // the module zip's hash, as go.sum pins it
	Files  int    `json:"files"`
}

// BuildToolImages builds the named tool images of the manifest into o.Out (NAME.tar and
// NAME.json each), beside the node image and without building it. Their externals and
// Debian packages come from the cache when their inputs are unchanged.
func BuildToolImages(ctx context.Context, o Options, names []string) ([]*ToolImageResult, error) {
	var tools []ToolImage
	for _, n := range names {
		i := slices.IndexFunc(o.Manifest.ToolImages, func(t ToolImage) bool { return t.Name == n })
		if i < 0 {
			return nil, fmt.Errorf("the image manifest has no tool image %q (it has %s)", n, toolNames(o.Manifest))
		}
		tools = append(tools, o.Manifest.ToolImages[i])
	}
	b := &builder{m: o.Manifest, src: o.Source, cache: o.Cache, epoch: o.Epoch, out: o.Progress, start: time.Now()}
	if b.out == nil {
		b.out = io.Discard
	}
	for _, d := range []string{o.Cache, o.Out} {
		if err := os.MkdirAll(d, 0o755); err != nil { //nolint:gosec // image directories are world-readable by design.
			return nil, err
		}
	}
	var out []*ToolImageResult
	for _, t := range tools {
		res, err := b.toolImageTo(ctx, t, o.Out)
		if err != nil {
			return nil, fmt.Errorf("tool image %s: %w", t.Name, err)
		}
		out = append(out, res)
	}
	return out, nil
}

func toolNames(m *Manifest) string {
	var names []string
	for _, t := range m.ToolImages {
		names = append(names, t.Name)
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// toolImageTo builds one tool image in a scratch directory of out, then moves NAME.tar and
// NAME.json into out.
func (b *builder) toolImageTo(ctx context.Context, t ToolImage, out string) (*ToolImageResult, error) {
	work, err := os.MkdirTemp(out, ".build-"+t.Name+"-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(work) }()
	res, err := b.buildToolImage(ctx, t, work)
	if err != nil {
		return nil, err
	}
	for _, name := range []string{t.Name + ".tar", t.Name + ".json"} {
		if err := os.Rename(filepath.Join(work, name), filepath.Join(out, name)); err != nil {
			return nil, err
		}
	}
	b.progress("%-12s %10d bytes  sha256 %s", res.File, res.Size, res.SHA256)
	return res, nil
}

// buildToolImage stages the image's root, checks it, packs it as one layer and writes
// NAME.tar and NAME.json into work.
func (b *builder) buildToolImage(ctx context.Context, t ToolImage, work string) (*ToolImageResult, error) {
	ext, err := b.toolExternals(ctx, t)
	if err != nil {
		return nil, err
	}
	root := filepath.Join(work, "root")
	res := &ToolImageResult{Name: t.Name, Ref: t.Ref, File: t.Name + ".tar", SourceDateEpoch: b.epoch, Tools: toolVersions(ctx)}
	if err := b.stageTool(ctx, t, root, ext, res); err != nil {
		return nil, err
	}
	if err := checkToolTree(root, t); err != nil {
		return nil, err
	}
	b.progress("%s: packing the root as one layer (gzip)", t.Name)
	file := filepath.Join(work, res.File)
	if res.Digest, err = packToolImage(root, work, file, t, b.epoch); err != nil {
		return nil, err
	}
	if res.SHA256, res.Size, err = fileSHA256(file); err != nil {
		return nil, err
	}
	b.progress("tool image %s (%s) written", t.Ref, res.Digest)
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return nil, err
	}
	return res, os.WriteFile(filepath.Join(work, t.Name+".json"), append(data, '\n'), 0o644) //nolint:gosec // image descriptions are world-readable by design.
}

// packToolImage packs the staged root as the one layer of the image, configured from t, and
// writes it to file as an OCI image layout tarball (scratch files go to work). It returns the
// digest of the image manifest.
func packToolImage(root, work, file string, t ToolImage, epoch int64) (string, error) {
	layerFile := filepath.Join(work, "layer.tar")
	if err := writeLayer(root, layerFile, epoch); err != nil {
		return "", err
	}
	// Compressed once: the digest and the layout both read the compressed layer.
	layer, err := tarball.LayerFromFile(layerFile, tarball.WithMediaType(types.OCILayer), tarball.WithCompressedCaching)
	if err != nil {
		return "", err
	}
	img, err := newImage(layer, time.Unix(epoch, 0).UTC(), v1.Config{Entrypoint: t.Entrypoint, Cmd: t.Cmd, WorkingDir: t.WorkingDir, Env: t.Env, User: t.User})
	if err != nil {
		return "", err
	}
	return writeOCIArchive(img, t.Ref, file, filepath.Join(work, "layout"), epoch)
}

// toolExternals builds (or takes from the cache) the external components the image carries.
func (b *builder) toolExternals(ctx context.Context, t ToolImage) ([]*builtExternal, error) {
	want := map[string]bool{}
	for _, d := range t.ModuleDirs {
		want[d.External] = true
	}
	for _, e := range b.m.External {
		for _, bin := range e.Binaries {
			want[e.Name] = want[e.Name] || slices.ContainsFunc(t.Binaries, func(tb ToolBinary) bool { return tb.Binary == bin.Name })
		}
	}
	var out []*builtExternal
	for _, e := range b.m.External {
		if !want[e.Name] {
			continue
		}
		x, err := b.buildExternal(ctx, e)
		if err != nil {
			return nil, fmt.Errorf("external %s (%s %s): %w", e.Name, e.Module, e.Version, err)
		}
		out = append(out, x)
	}
	return out, nil
}

// toolBinary describes one placed external binary from its build info.
func toolBinary(x *builtExternal, tb ToolBinary, file string) (ToolBinaryResult, error) {
	r := ToolBinaryResult{Path: tb.Path, Binary: tb.Binary, External: x.e.Name, CacheKey: x.res.CacheKey, Settings: map[string]string{}}
	var err error
	if r.SHA256, r.Size, err = fileSHA256(file); err != nil {
		return r, err
	}
	bi, err := buildinfo.ReadFile(file)
	if err != nil {
		return r, fmt.Errorf("%s: %w", tb.Binary, err)
	}
	r.GoVersion, r.Package = bi.GoVersion, bi.Path
	for _, m := range append([]*debug.Module{&bi.Main}, bi.Deps...) {
		if m.Path == x.e.Module {
			r.Module = m.Path + "@" + m.Version
		}
	}
	if r.Module == "" {
		return r, errors.New(tb.Binary + ": its build info does not list " + x.e.Module)
	}
	for _, s := range bi.Settings {
		r.Settings[s.Key] = s.Value
	}
	return r, nil
}
