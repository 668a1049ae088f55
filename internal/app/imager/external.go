package imager

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cairn-os/cairn/internal/pkg/disklayout"
)

// ExternalResult records one built external component in manifest.json.
type ExternalResult struct {
	Name     string        `json:"name"`
	Module   string        `json:"module"`
	Version  string        `json:"version"`
	CacheKey string        `json:"cacheKey"`
	Sysroot  []Deb         `json:"sysroot,omitempty"`
	Binaries []BuiltBinary `json:"binaries"`
}

// BuiltBinary is one output of an external component.
type BuiltBinary struct {
	Binary
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// builtExternal is an external component's outputs in the cache: one file per binary name.
type builtExternal struct {
	e   External
	dir string
	res ExternalResult
}

// toolchain is what the build of an external component depends on besides its module: the Go
// toolchain, the FIPS module, the target and, for cgo, the C compiler.
type toolchain struct {
	Go, FIPS140, GOOS, GOARCH, CC string
}

const fips140 = "certified"

// externalKey hashes every input of an external build: the manifest entry, every file of the
// build module (go.mod, go.sum and sources, with their paths and modes) and the toolchain.
func externalKey(e External, moduleDir string, tc toolchain) (string, error) {
	h := sha256.New()
	head, err := json.Marshal(struct {
		Schema string
		Entry  External
		Tool   toolchain
	}{"cairn-external-v1", e, tc})
	if err != nil {
		return "", err
	}
	_, _ = h.Write(head)
	err = filepath.WalkDir(moduleDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(moduleDir, p)
		_, _ = fmt.Fprintf(h, "\x00%s\x00%v\x00%d\x00", filepath.ToSlash(rel), info.Mode(), info.Size())
		return hashFile(h, p, info.Mode())
	})
	if err != nil {
		return "", fmt.Errorf("hash build module %s: %w", moduleDir, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func hashFile(w io.Writer, p string, mode fs.FileMode) error {
	if mode&fs.ModeSymlink != 0 {
		target, err := os.Readlink(p)
		_, _ = io.WriteString(w, target)
		return err
	}
	return disklayout.CopyInto(w, p)
}

// buildExternals builds (or takes from the cache) every external component the root needs.
func (b *builder) buildExternals(ctx context.Context) ([]*builtExternal, error) {
	var out []*builtExternal
	for _, e := range b.m.RootExternals() {
		x, err := b.buildExternal(ctx, e)
		if err != nil {
			return nil, fmt.Errorf("external %s (%s %s): %w", e.Name, e.Module, e.Version, err)
		}
		out = append(out, x)
	}
	return out, nil
}

func (b *builder) buildExternal(ctx context.Context, e External) (*builtExternal, error) {
	modDir := filepath.Join(b.src, filepath.FromSlash(e.Dir))
	if err := checkRequire(ctx, modDir, e); err != nil {
		return nil, err
	}
	env, tc, err := b.externalEnv(ctx, e)
	if err != nil {
		return nil, err
	}
	key, err := externalKey(e, modDir, tc)
	if err != nil {
		return nil, err
	}
	x := &builtExternal{e: e, dir: filepath.Join(b.cache, "external", e.Name+"-"+key[:16])}
	if cached(x.dir, e.Binaries) {
		b.progress("%s %s: from the cache (key %s)", e.Name, e.Version, key[:16])
	} else if err := b.compileExternal(ctx, x, modDir, env); err != nil {
		return nil, err
	}
	x.res = ExternalResult{Name: e.Name, Module: e.Module, Version: e.Version, CacheKey: key, Sysroot: e.Sysroot}
	for _, bin := range e.Binaries {
		sum, size, err := fileSHA256(filepath.Join(x.dir, bin.Name))
		if err != nil {
			return nil, err
		}
		x.res.Binaries = append(x.res.Binaries, BuiltBinary{Binary: bin, SHA256: sum, Size: size})
	}
	return x, nil
}

// RootExternals are the external components the root needs: those with a binary placed in it
// or packed as one of its images. A component only tool images carry (kube-bench) is built
// when one of them is: the node image's build stays as fast without it.
func (m *Manifest) RootExternals() []External {
	images := map[string]bool{}
	for _, im := range m.Images {
		images[im.Binary] = true
	}
	var out []External
	for _, e := range m.External {
		if slices.ContainsFunc(e.Binaries, func(b Binary) bool { return b.Path != "" || images[b.Name] }) {
			out = append(out, e)
		}
	}
	return out
}

// cached tells whether dir is a finished cache entry holding every binary.
func cached(dir string, bins []Binary) bool {
	for _, name := range append([]string{".complete"}, binaryNames(bins)...) {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return false
		}
	}
	return true
}

func binaryNames(bins []Binary) []string {
	out := make([]string, len(bins))
	for i, b := range bins {
		out[i] = b.Name
	}
	return out
}

// compileExternal runs go build for each binary into a fresh directory, then moves it into
// place in the cache and removes the component's older cache entries.
func (b *builder) compileExternal(ctx context.Context, x *builtExternal, modDir string, env []string) error {
	e := x.e
	b.progress("%s %s: building %s from %s (not in the cache; a cold build takes minutes)", e.Name, e.Version, strings.Join(binaryNames(e.Binaries), ", "), e.Dir)
	tmp := x.dir + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil { //nolint:gosec // cache directories hold world-readable image inputs.
		return err
	}
	start := time.Now()
	stop := b.ticker(e.Name, 30*time.Second)
	defer stop()
	for _, bin := range e.Binaries {
		if err := goBuild(ctx, modDir, env, e, bin.Package, filepath.Join(tmp, bin.Name)); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, ".complete"), nil, 0o644); err != nil { //nolint:gosec // cache files hold world-readable image inputs.
		return err
	}
	if err := b.replaceCacheEntry(tmp, x.dir, e.Name); err != nil {
		return err
	}
	b.progress("%s %s: built in %s", e.Name, e.Version, time.Since(start).Round(time.Second))
	return nil
}

// replaceCacheEntry moves a finished build to dir and removes the other entries of the same
// component (NAME-KEY16 and NAME-KEY16.tmp), so the cache holds one build per component.
func (b *builder) replaceCacheEntry(tmp, dir, name string) error {
	parent := filepath.Dir(dir)
	entries, err := os.ReadDir(parent)
	if err != nil {
		return err
	}
	for _, en := range entries {
		rest, ok := strings.CutPrefix(en.Name(), name+"-")
		rest = strings.TrimSuffix(rest, ".tmp")
		if ok && len(rest) == 16 && strings.Trim(rest, "0123456789abcdef") == "" && en.Name() != filepath.Base(tmp) {
			if err := os.RemoveAll(filepath.Join(parent, en.Name())); err != nil {
				return err
			}
		}
	}
	return os.Rename(tmp, dir)
}

// ticker reports every interval that a build is still running, until stop is called.
func (b *builder) ticker(what string, every time.Duration) (stop func()) {
	done, start := make(chan struct{}), time.Now()
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				b.progress("%s: still building, %s elapsed", what, time.Since(start).Round(time.Second))
			}
		}
	})
	var once sync.Once
	return func() { once.Do(func() { close(done); wg.Wait() }) }
}

// LDFlags returns the -ldflags value the image build links the named external component
// with, so host tools built from its module (kubectl) carry the same version stamps.
func (m *Manifest) LDFlags(name string) (string, error) {
	for _, e := range m.External {
		if e.Name == name {
			return ldflags(e), nil
		}
	}
	return "", fmt.Errorf("the image manifest has no external component %q", name)
}

// ldflags are the linker flags of a component: stripped, no build ID, the -X stamps in a fixed
// order, then the entry's own flags.
func ldflags(e External) string {
	flags := []string{"-s", "-w", "-buildid="}
	for _, k := range slices.Sorted(maps.Keys(e.Stamp)) {
		flags = append(flags, "-X", k+"="+e.Stamp[k])
	}
	return strings.Join(append(flags, e.LDFlags...), " ")
}

// goBuild runs go build in the build module; out may be relative to the working directory.
func goBuild(ctx context.Context, modDir string, env []string, e External, pkg, out string) error {
	out, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	args := []string{"build", "-trimpath", "-ldflags", ldflags(e), "-o", out}
	if len(e.Tags) > 0 {
		args = append(args, "-tags", strings.Join(e.Tags, ","))
	}
	cmd := exec.CommandContext(ctx, "go", append(args, pkg)...) //nolint:gosec // the program and arguments come from the pinned manifest, validated.
	cmd.Dir, cmd.Env = modDir, env
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, out)
	}
	return nil
}
