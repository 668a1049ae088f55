package imager

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cairn-os/cairn/internal/pkg/kmod"
)

// rootDirs are the empty directories of the root: mount points and places machined fills.
var rootDirs = []string{"dev", "proc", "sys", "run", "system", "tmp", "var", "mnt", "etc/kubernetes", "etc/modules-load.d", "usr/bin", "usr/lib"}

// stageRoot writes the root tree into dir: binaries and their links (Cairn's and the external
// components'), the kernel modules with their modules.dep, a minimal /etc and the mount points.
func (b *builder) stageRoot(dir, binDir string, ext []*builtExternal, mods *moduleIndex, dep kmod.Dep) error {
	for _, d := range rootDirs {
		if err := mkdir(filepath.Join(dir, d)); err != nil {
			return err
		}
	}
	for _, bin := range b.m.Binaries {
		if err := placeBinary(dir, filepath.Join(binDir, bin.Name), bin); err != nil {
			return err
		}
	}
	for _, x := range ext {
		for _, bin := range x.e.Binaries {
			if bin.Path == "" {
				continue
			}
			if err := placeBinary(dir, filepath.Join(x.dir, bin.Name), bin); err != nil {
				return err
			}
		}
	}
	if err := b.stageModules(filepath.Join(dir, "lib/modules", b.m.Kernel.Release), mods, dep); err != nil {
		return err
	}
	for name, content := range b.generatedFiles() {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil { //nolint:gosec // the image, its root and /etc are world-readable by design.
			return err
		}
	}
	return nil
}

// generatedFiles are the files of the root the builder writes itself, by path in the root
// (without the leading slash).
func (b *builder) generatedFiles() map[string]string {
	return map[string]string{
		"etc/os-release": fmt.Sprintf("NAME=Cairn\nID=cairn\nVERSION_ID=%s\nPRETTY_NAME=\"Cairn %s\"\nHOME_URL=\"https://github.com/cairn-os/cairn\"\n", b.tag, b.tag),
		"etc/hosts":      "127.0.0.1\tlocalhost\n::1\tlocalhost\n",
		"etc/modules-load.d/cairn.conf": "# Modules machined loads at boot (with their dependencies), from the image manifest.\n" +
			strings.Join(b.m.Modules.Boot, "\n") + "\n",
		"etc/modules-load.d/kubernetes.conf": "# Modules machined loads when Kubernetes starts (with their dependencies), from the image manifest.\n" +
			strings.Join(b.m.Modules.Kubernetes, "\n") + "\n",
	}
}

// placeBinary copies src to the binary's path in the root and links its links to it.
func placeBinary(root, src string, bin Binary) error {
	if err := copyFile(src, filepath.Join(root, bin.Path), 0o755); err != nil {
		return err
	}
	for _, l := range bin.Links {
		rel, _ := filepath.Rel(path.Dir(l), bin.Path)
		if err := mkdir(filepath.Join(root, path.Dir(l))); err != nil {
			return err
		}
		if err := os.Symlink(rel, filepath.Join(root, l)); err != nil {
			return fmt.Errorf("link %s: %w", l, err)
		}
	}
	return nil
}

// stageModules copies every module of dep and writes modules.dep into dir.
func (b *builder) stageModules(dir string, mods *moduleIndex, dep kmod.Dep) error {
	for p := range dep {
		if err := copyFile(filepath.Join(mods.dir, p), filepath.Join(dir, p), 0o644); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	if err := dep.Format(&buf); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "modules.dep"), buf.Bytes(), 0o644) //nolint:gosec // the image, its root and /etc are world-readable by design.
}

// mksquashfs packs dir into file reproducibly and checks the image policy on the result.
func (b *builder) mksquashfs(ctx context.Context, dir, file string) error {
	if err := CheckTree(dir); err != nil {
		return err
	}
	epoch := strconv.FormatInt(b.epoch, 10)
	cmd := exec.CommandContext(ctx, "mksquashfs", dir, file, "-noappend", "-all-root", "-comp", "zstd", //nolint:gosec // the program and arguments come from the pinned manifest or our own plan, not from a caller.
		"-mkfs-time", epoch, "-all-time", epoch, "-no-xattrs", "-reproducible", "-quiet", "-no-progress")
	// mksquashfs refuses SOURCE_DATE_EPOCH next to -mkfs-time/-all-time; the flags carry it.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SOURCE_DATE_EPOCH=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("mksquashfs: %w\n%s", err, out)
	}
	return CheckSquashfs(ctx, file)
}

// CheckSquashfs lists a squashfs image with unsquashfs and applies the image policy to it.
func CheckSquashfs(ctx context.Context, file string) error {
	out, err := exec.CommandContext(ctx, "unsquashfs", "-lls", "-d", "", file).Output()
	if err != nil {
		return fmt.Errorf("unsquashfs -lls %s: %w", file, err)
	}
	entries, err := ParseListing(bytes.NewReader(out))
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return fmt.Errorf("unsquashfs -lls %s: empty listing", file)
	}
	return CheckListing(entries)
}

func mkdir(p string) error {
	if err := os.MkdirAll(p, 0o755); err != nil { //nolint:gosec // mount points and image directories are world-readable by design.
		return err
	}
	return os.Chmod(p, 0o755) //nolint:gosec // image directories are world-readable by design.
}

func copyFile(src, dst string, mode os.FileMode) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	if err := mkdir(filepath.Dir(dst)); err != nil {
		return err
	}
	return writeFrom(dst, f, mode)
}
