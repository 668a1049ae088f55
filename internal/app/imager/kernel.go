package imager

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// debName is the file name apt-get download gives a package of the architecture (amd64, or
// all for architecture-independent packages such as netbase).
func debName(d Deb, arch string) string {
	return fmt.Sprintf("%s_%s_%s.deb", d.Package, strings.ReplaceAll(d.Version, ":", "%3a"), arch)
}

// cachedDeb returns the cache path of the package with the pinned sha256, or an error.
func (b *builder) cachedDeb(d Deb) (string, error) {
	var err error
	for _, arch := range []string{"amd64", "all"} {
		deb := filepath.Join(b.cache, debName(d, arch))
		if err = verifySHA256(deb, d.SHA256); err == nil {
			return deb, nil
		}
	}
	return "", err
}

// fetchKernel makes sure the kernel package is in the cache with the pinned sha256.
func (b *builder) fetchKernel(ctx context.Context) (string, error) {
	k := b.m.Kernel
	return b.fetchDeb(ctx, "kernel package", Deb{Package: k.Package, Version: k.Version, SHA256: k.SHA256})
}

// fetchDeb makes sure a Debian package is in the cache with the pinned sha256, downloading it
// with apt-get when it is missing, and returns its path.
func (b *builder) fetchDeb(ctx context.Context, what string, d Deb) (string, error) {
	if deb, err := b.cachedDeb(d); err == nil {
		b.progress("%s %s %s found in the cache", what, d.Package, d.Version)
		return deb, nil
	}
	b.progress("downloading %s=%s with apt-get", d.Package, d.Version)
	cmd := exec.CommandContext(ctx, "apt-get", "download", "-q", d.Package+"="+d.Version) //nolint:gosec // the program and arguments come from the pinned manifest or our own plan, not from a caller.
	cmd.Dir = b.cache
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("apt-get download %s=%s (run apt-get update first?): %w\n%s", d.Package, d.Version, err, out)
	}
	deb, err := b.cachedDeb(d)
	if err != nil {
		for _, arch := range []string{"amd64", "all"} {
			_ = os.Remove(filepath.Join(b.cache, debName(d, arch)))
		}
		return "", err
	}
	return deb, nil
}

func verifySHA256(file, want string) error {
	got, _, err := fileSHA256(file)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("%s: sha256 %s, want %s", file, got, want)
	}
	return nil
}

func fileSHA256(file string) (string, int64, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", 0, err
	}
	defer func() { _ = f.Close() }()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("hash %s: %w", file, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// extractKernel unpacks vmlinuz and the module tree of the package into a cache directory
// (once; a marker file records completion) and returns that directory.
func (b *builder) extractKernel(ctx context.Context, deb string) (string, error) {
	k := b.m.Kernel
	dir := filepath.Join(b.cache, "kernel-"+k.SHA256[:16])
	marker := filepath.Join(dir, ".complete")
	if _, err := os.Stat(marker); err == nil {
		return dir, nil
	}
	b.progress("extracting vmlinuz and modules from %s", filepath.Base(deb))
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "dpkg-deb", "--fsys-tarfile", deb)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("dpkg-deb: %w", err)
	}
	xerr := untarKernel(out, dir, k.Release)
	_, _ = io.Copy(io.Discard, out)
	if err := cmd.Wait(); err != nil {
		return "", fmt.Errorf("dpkg-deb --fsys-tarfile %s: %w", deb, err)
	}
	if xerr != nil {
		return "", xerr
	}
	if _, err := os.Stat(filepath.Join(dir, "vmlinuz")); err != nil {
		return "", fmt.Errorf("kernel package has no /boot/vmlinuz-%s", k.Release)
	}
	return dir, os.WriteFile(marker, nil, 0o644) //nolint:gosec // the image, its root and /etc are world-readable by design.
}

// untarKernel copies /boot/vmlinuz-RELEASE to dir/vmlinuz and lib/modules/RELEASE/** to
// dir/modules/**.
func untarKernel(r io.Reader, dir, release string) error {
	tr := tar.NewReader(r)
	modPrefix := "lib/modules/" + release + "/"
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read kernel package: %w", err)
		}
		name := strings.TrimPrefix(h.Name, "./")
		var dst string
		switch {
		case name == "boot/vmlinuz-"+release:
			dst = filepath.Join(dir, "vmlinuz")
		case strings.HasPrefix(name, modPrefix) && h.Typeflag == tar.TypeReg && !strings.Contains(name, ".."):
			dst = filepath.Join(dir, "modules", strings.TrimPrefix(name, modPrefix))
		default:
			continue
		}
		if err := writeFrom(dst, tr, 0o644); err != nil {
			return err
		}
	}
}

func writeFrom(dst string, r io.Reader, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil { //nolint:gosec // mount points and image directories are world-readable by design.
		return err
	}
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		_ = f.Close()
		return fmt.Errorf("write %s: %w", dst, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Chmod(dst, mode)
}
