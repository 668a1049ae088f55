package imager

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// toolDirs are the directories every tool image's root starts with, by mode: /tmp because
// programs write there (glog, kube-bench's logger, creates its log files in it) and root's
// home.
var toolDirs = map[string]fs.FileMode{"usr/bin": 0o755, "usr/sbin": 0o755, "usr/lib": 0o755, "usr/lib64": 0o755,
	"etc": 0o755, "tmp": fs.ModeSticky | 0o777, "root": 0o700}

// stageTool writes the image's root into root: the usr-merged skeleton, the Debian files, the
// external binaries, the module directories, the generated files and the links (last, so
// each has its target). It records what it placed in res.
func (b *builder) stageTool(ctx context.Context, t ToolImage, root string, ext []*builtExternal, res *ToolImageResult) error {
	if err := stageSkeleton(root); err != nil {
		return err
	}
	var err error
	if res.Debian, err = b.stageToolDebian(ctx, t, root); err != nil {
		return err
	}
	for _, tb := range t.Binaries {
		// The manifest's validation makes sure an external builds the binary.
		x := ext[slices.IndexFunc(ext, func(x *builtExternal) bool {
			return slices.ContainsFunc(x.e.Binaries, func(bin Binary) bool { return bin.Name == tb.Binary })
		})]
		src := filepath.Join(x.dir, tb.Binary)
		if err := copyFile(src, filepath.Join(root, filepath.FromSlash(tb.Path)), 0o755); err != nil {
			return err
		}
		r, err := toolBinary(x, tb, src)
		if err != nil {
			return err
		}
		res.Binaries = append(res.Binaries, r)
	}
	for _, d := range t.ModuleDirs {
		r, err := b.stageModuleDir(ctx, d, root, ext)
		if err != nil {
			return fmt.Errorf("moduleDirs %s: %w", d.Path, err)
		}
		b.progress("%s: %s/ of %s (%d files) in %s", t.Name, d.Dir, r.Module, r.Files, d.Path)
		res.ModuleDirs = append(res.ModuleDirs, r)
	}
	return placeToolExtras(root, t)
}

// placeToolExtras writes the generated files and makes the links.
func placeToolExtras(root string, t ToolImage) error {
	for _, g := range slices.Sorted(maps.Keys(t.Generated)) {
		if err := writeFrom(filepath.Join(root, filepath.FromSlash(g)), strings.NewReader(t.Generated[g]), 0o644); err != nil {
			return err
		}
	}
	for _, l := range slices.Sorted(maps.Keys(t.Links)) {
		dst := filepath.Join(root, filepath.FromSlash(l))
		if err := mkdir(filepath.Dir(dst)); err != nil {
			return err
		}
		if err := os.Symlink(t.Links[l], dst); err != nil {
			return fmt.Errorf("link %s: %w", l, err)
		}
	}
	return nil
}

// stageSkeleton makes the skeleton's directories and links /bin, /sbin, /lib and /lib64 into
// /usr: what a package puts in /bin lands in /usr/bin, and both paths reach it.
func stageSkeleton(root string) error {
	for _, d := range slices.Sorted(maps.Keys(toolDirs)) {
		p := filepath.Join(root, d)
		if err := os.MkdirAll(p, 0o755); err != nil { //nolint:gosec // image directories are world-readable by design.
			return err
		}
		if err := os.Chmod(p, toolDirs[d]); err != nil {
			return err
		}
	}
	for _, d := range mergedDirs {
		if err := os.Symlink("usr/"+d, filepath.Join(root, d)); err != nil {
			return err
		}
	}
	return nil
}

// stageToolDebian places the image's Debian files (nothing when it lists none) and refuses a
// pinned package that gives it no file: the manifest names only what the image uses.
func (b *builder) stageToolDebian(ctx context.Context, t ToolImage, root string) (*DebianResult, error) {
	if len(t.Debian.Packages) == 0 {
		return nil, nil
	}
	d := Debian{Name: t.Name, Packages: t.Debian.Packages, Files: t.Debian.Files}
	out, err := b.stageDebianProgram(ctx, d, root)
	if err != nil {
		return nil, err
	}
	gave := map[string]bool{}
	for _, f := range out.Files {
		gave[f.Package] = true
	}
	var unused []string
	for _, p := range d.Packages {
		if !gave[p.Package] {
			unused = append(unused, p.Package)
		}
	}
	if len(unused) > 0 {
		return nil, fmt.Errorf("debian packages %s give the image no file: remove them from the manifest", strings.Join(unused, ", "))
	}
	return out, nil
}

// stageModuleDir copies d.Dir of the external's pinned module into the root.
func (b *builder) stageModuleDir(ctx context.Context, d ModuleDir, root string, ext []*builtExternal) (ModuleDirResult, error) {
	r := ModuleDirResult{ModuleDir: d}
	i := slices.IndexFunc(ext, func(x *builtExternal) bool { return x.e.Name == d.External })
	e := ext[i].e
	dir, sum, err := b.moduleSource(ctx, e)
	if err != nil {
		return r, err
	}
	r.Module, r.Sum = e.Module+"@"+e.Version, sum
	r.Files, err = copyTree(filepath.Join(dir, filepath.FromSlash(d.Dir)), filepath.Join(root, filepath.FromSlash(d.Path)))
	if err != nil {
		return r, fmt.Errorf("%s: %w", r.Module, err)
	}
	return r, nil
}

// copyTree copies the directories and regular files under src to dst (files 0644: a module's
// files are data) and returns how many files it copied; anything else fails.
func copyTree(src, dst string) (int, error) {
	n := 0
	err := filepath.WalkDir(src, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		switch {
		case de.IsDir():
			return mkdir(filepath.Join(dst, rel))
		case !de.Type().IsRegular():
			return fmt.Errorf("%s is not a regular file or directory", rel)
		}
		n++
		return copyFile(p, filepath.Join(dst, rel), 0o644)
	})
	return n, err
}

// moduleSource returns the directory of the external's pinned module in the Go module cache
// and its hash, downloading it through the build module when it is missing. The hash must
// be the one the build module's go.sum pins: the directory is the module zip it verified.
func (b *builder) moduleSource(ctx context.Context, e External) (string, string, error) {
	modDir := filepath.Join(b.src, filepath.FromSlash(e.Dir))
	env, _, err := b.externalEnv(ctx, e)
	if err != nil {
		return "", "", err
	}
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", e.Module+"@"+e.Version) //nolint:gosec // the module and version come from the pinned manifest, validated.
	cmd.Dir, cmd.Env = modDir, env
	what := fmt.Sprintf("go mod download %s@%s in %s", e.Module, e.Version, e.Dir)
	out, err := cmd.Output()
	var m struct{ Dir, Sum, Error string }
	if jerr := json.Unmarshal(out, &m); jerr != nil {
		return "", "", fmt.Errorf("%s: %w", what, errors.Join(err, jerr))
	}
	if m.Error != "" {
		return "", "", fmt.Errorf("%s: %s", what, m.Error)
	}
	if err != nil {
		return "", "", fmt.Errorf("%s: %w", what, err)
	}
	pinned, err := goSum(filepath.Join(modDir, "go.sum"), e.Module, e.Version)
	if err != nil {
		return "", "", err
	}
	if m.Sum != pinned || m.Dir == "" {
		return "", "", fmt.Errorf("%s@%s in the module cache has hash %s, %s/go.sum pins %s", e.Module, e.Version, m.Sum, e.Dir, pinned)
	}
	return m.Dir, m.Sum, nil
}

// goSum returns the hash go.sum pins for the module's zip (not its go.mod).
func goSum(file, module, version string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) == 3 && fields[0] == module && fields[1] == version {
			return fields[2], nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("%s pins no hash for %s %s", file, module, version)
}
