package imager

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/cairn-os/cairn/internal/pkg/kmod"
)

// Options are the inputs of one image build.
type Options struct {
	Manifest *Manifest
	Source   string // repository root (holds go.mod)
	Cache    string // downloads and the extracted kernel
	Out      string // vmlinuz, initramfs, rootfs.sqsh and manifest.json go here
	Epoch    int64  // SOURCE_DATE_EPOCH: every timestamp in the image
	// Formats are the outputs (ParseFormats); initramfs alone when empty.
	Formats  []string
	Progress io.Writer
	// SignKey signs cairn.img (FormatSigned); Tag, when set, is the version stamped into the
	// binaries and the image instead of git describe's.
	SignKey *ecdsa.PrivateKey
	Tag     string
}

// Artifact is one output file.
type Artifact struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Result is the manifest.json written next to the artifacts.
type Result struct {
	Tag             string            `json:"tag"`
	Commit          string            `json:"commit"`
	SourceDateEpoch int64             `json:"sourceDateEpoch"`
	Kernel          Kernel            `json:"kernel"`
	InitramfsMods   []string          `json:"initramfsModules"`
	RootMods        []string          `json:"rootModules"`
	Tools           map[string]string `json:"tools"`
	External        []ExternalResult  `json:"external,omitempty"`
	Debian          []DebianResult    `json:"debian,omitempty"`
	Images          []ImageResult     `json:"images,omitempty"`
	// SBOM records the SBOM files in the root (SPDX and CycloneDX), by path, with their digests.
	SBOM SBOMResult `json:"sbom,omitempty"`
	// Formats maps each format built to its files in Artifacts.
	Formats   map[string][]string `json:"formats"`
	Artifacts map[string]Artifact `json:"artifacts"`
	// Slot describes the boot slot of the raw image and the install pieces of the ISO.
	Slot *SlotImage `json:"slot,omitempty"`
}

type builder struct {
	m           *Manifest
	src, cache  string
	epoch       int64
	tag, commit string
	out         io.Writer
	start       time.Time
	formats     []string
	in          inputs
	signKey     *ecdsa.PrivateKey
}

// inputs are the built pieces the raw and ISO images are made from.
type inputs struct {
	kernel, initramfs, initBin, sqsh string
	// install is the install initramfs (the ordinary one and cairn.img): the ISO boots it.
	install string
	mods    *moduleIndex
	initDep kmod.Dep
}

func (b *builder) progress(format string, args ...any) {
	_, _ = fmt.Fprintf(b.out, "[%5.1fs] %s\n", time.Since(b.start).Seconds(), fmt.Sprintf(format, args...))
}

// Build produces the boot assets. The same manifest, source tree and epoch give the same
// bytes.
func Build(ctx context.Context, o Options) (*Result, error) {
	b := &builder{m: o.Manifest, src: o.Source, cache: o.Cache, epoch: o.Epoch, out: o.Progress, start: time.Now(), formats: o.Formats}
	if len(b.formats) == 0 {
		b.formats = []string{FormatInitramfs}
	}
	if b.out == nil {
		b.out = io.Discard
	}
	b.tag, b.commit = gitDescribe(o.Source)
	if o.Tag != "" {
		b.tag = o.Tag
	}
	b.signKey = o.SignKey
	if hasFormat(b.formats, FormatSigned) && b.signKey == nil {
		return nil, errors.New("the signed format needs a signing key (--sign-key, from cairnctl gen image-key)")
	}
	if hasFormat(b.formats, FormatISO) && b.signKey == nil {
		return nil, errors.New("the iso format needs a signing key (--sign-key, from cairnctl gen image-key): its initramfs carries " +
			"the signed OS image (cairn.img) a node installs, which the node checks against machine.upgrade.trustedKeys")
	}
	for _, d := range []string{o.Cache, o.Out} {
		if err := os.MkdirAll(d, 0o755); err != nil { //nolint:gosec // mount points and image directories are world-readable by design.
			return nil, err
		}
	}
	work, err := os.MkdirTemp(o.Out, ".build-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(work) }()
	res, err := b.build(ctx, work)
	if err != nil {
		return nil, err
	}
	for _, name := range append(outputs(b.formats), "manifest.json") {
		if err := os.Rename(filepath.Join(work, name), filepath.Join(o.Out, name)); err != nil {
			return nil, err
		}
	}
	b.progress("image written to %s", o.Out)
	return res, nil
}

func (b *builder) build(ctx context.Context, work string) (*Result, error) {
	deb, err := b.fetchKernel(ctx)
	if err != nil {
		return nil, err
	}
	kdir, err := b.extractKernel(ctx, deb)
	if err != nil {
		return nil, err
	}
	mods, err := indexModules(filepath.Join(kdir, "modules"))
	if err != nil {
		return nil, err
	}
	initDep, err := mods.closure(b.m.Modules.Initramfs)
	if err != nil {
		return nil, fmt.Errorf("initramfs modules: %w", err)
	}
	all := slices.Concat(b.m.Modules.Initramfs, b.m.Modules.Boot, b.m.Modules.Carry, b.m.Modules.Kubernetes)
	rootDep, err := mods.closure(all)
	if err != nil {
		return nil, fmt.Errorf("root modules: %w", err)
	}
	b.progress("modules: %d in the initramfs, %d in the root (dependencies from .modinfo)", len(initDep), len(rootDep))
	binDir, stage := filepath.Join(work, "bin"), filepath.Join(work, "root")
	if err := b.buildBinaries(ctx, binDir); err != nil {
		return nil, err
	}
	ext, err := b.buildExternals(ctx)
	if err != nil {
		return nil, err
	}
	if err := b.stageRoot(stage, binDir, ext, mods, rootDep); err != nil {
		return nil, fmt.Errorf("stage root: %w", err)
	}
	debs, err := b.stageDebian(ctx, stage)
	if err != nil {
		return nil, err
	}
	images, err := b.stageImages(stage, work, ext)
	if err != nil {
		return nil, err
	}
	sbomFiles, err := b.writeSBOM(stage, ext, debs)
	if err != nil {
		return nil, fmt.Errorf("sbom: %w", err)
	}
	b.progress("packing rootfs.sqsh with mksquashfs and checking the image policy")
	sqsh := filepath.Join(work, "rootfs.sqsh")
	if err := b.mksquashfs(ctx, stage, sqsh); err != nil {
		return nil, err
	}
	b.progress("writing the initramfs (newc cpio, gzip)")
	initBin := filepath.Join(binDir, b.m.Binaries[0].Name)
	if err := b.writeInitramfs(filepath.Join(work, "initramfs"), initBin, sqsh, "", mods, initDep); err != nil {
		return nil, err
	}
	if err := copyFile(filepath.Join(kdir, "vmlinuz"), filepath.Join(work, "vmlinuz"), 0o644); err != nil {
		return nil, err
	}
	res := &Result{Tag: b.tag, Commit: b.commit, SourceDateEpoch: b.epoch, Kernel: b.m.Kernel,
		InitramfsMods: keys(initDep), RootMods: keys(rootDep), Tools: toolVersions(ctx), Debian: debs, Images: images, SBOM: sbomFiles,
		Formats: map[string][]string{}, Artifacts: map[string]Artifact{}}
	for _, x := range ext {
		res.External = append(res.External, x.res)
	}
	b.in = inputs{kernel: filepath.Join(work, "vmlinuz"), initramfs: filepath.Join(work, "initramfs"), initBin: initBin, sqsh: sqsh, mods: mods, initDep: initDep}
	if err := b.buildFormats(ctx, work, res); err != nil {
		return nil, err
	}
	return res, b.writeResult(work, res)
}

func (b *builder) writeResult(work string, res *Result) error {
	for _, f := range b.formats {
		res.Formats[f] = formatFiles[f]
	}
	names := outputs(b.formats)
	sums, err := hashFiles(work, names)
	if err != nil {
		return err
	}
	for i, name := range names {
		res.Artifacts[name] = sums[i]
		b.progress("%-12s %10d bytes  sha256 %s", name, sums[i].Size, sums[i].SHA256)
	}
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(work, "manifest.json"), append(data, '\n'), 0o644) //nolint:gosec // the image, its root and /etc are world-readable by design.
}

// hashFiles hashes the files in dir concurrently (cairn.raw alone is 1.3 GB, mostly holes that
// still have to be hashed).
func hashFiles(dir string, names []string) ([]Artifact, error) {
	out, errs := make([]Artifact, len(names)), make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() {
			sum, size, err := fileSHA256(filepath.Join(dir, name))
			out[i], errs[i] = Artifact{SHA256: sum, Size: size}, err
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

func keys(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ReadResult reads the manifest.json of a built image directory.
func ReadResult(dir string) (*Result, error) {
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, fmt.Errorf("read image manifest: %w", err)
	}
	var r Result
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("decode %s/manifest.json: %w", dir, err)
	}
	return &r, nil
}

// Verify checks the named artifacts of a built image directory against the sha256 and size
// its manifest.json records, and names each one that does not match.
func Verify(dir string, names ...string) error {
	r, err := ReadResult(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, name := range names {
		want, ok := r.Artifacts[name]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: not in %s/manifest.json", name, dir))
			continue
		}
		sum, size, err := fileSHA256(filepath.Join(dir, name))
		switch {
		case err != nil:
			errs = append(errs, err)
		case sum != want.SHA256 || size != want.Size:
			errs = append(errs, fmt.Errorf("%s: %d bytes with sha256 %s, manifest.json says %d bytes with sha256 %s", name, size, sum, want.Size, want.SHA256))
		}
	}
	return errors.Join(errs...)
}
