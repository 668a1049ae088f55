package imager

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// checkRequire makes sure the build module's go.mod requires the manifest's module at the
// manifest's version, so the two never drift apart. A component whose module is the build
// module itself (Cairn's own code, e.g. pause) has nothing to check.
func checkRequire(ctx context.Context, modDir string, e External) error {
	cmd := exec.CommandContext(ctx, "go", "mod", "edit", "-json")
	cmd.Dir, cmd.Env = modDir, append(os.Environ(), "GOWORK=off", "GOTOOLCHAIN=local")
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("read %s/go.mod: %w", modDir, err)
	}
	var mod struct {
		Module  struct{ Path string }
		Require []struct{ Path, Version string }
	}
	if err := json.Unmarshal(out, &mod); err != nil {
		return fmt.Errorf("decode go mod edit -json of %s: %w", modDir, err)
	}
	if mod.Module.Path == e.Module {
		return nil
	}
	for _, r := range mod.Require {
		if r.Path == e.Module {
			if r.Version != e.Version {
				return fmt.Errorf("%s/go.mod requires %s %s, the manifest pins %s", e.Dir, r.Path, r.Version, e.Version)
			}
			return nil
		}
	}
	return fmt.Errorf("%s/go.mod does not require %s (the manifest pins %s)", e.Dir, e.Module, e.Version)
}

// externalEnv returns the environment of a component's go build and the toolchain that goes
// into its cache key. A cgo component gets its Debian sysroot extracted and pkg-config pointed
// at it only.
func (b *builder) externalEnv(ctx context.Context, e External) ([]string, toolchain, error) {
	tc := toolchain{FIPS140: fips140, GOOS: "linux", GOARCH: "amd64"}
	var err error
	if tc.Go, err = firstLine(ctx, "go", "env", "GOVERSION"); err != nil {
		return nil, tc, err
	}
	env := append(os.Environ(), "GOFIPS140="+tc.FIPS140, "GOOS="+tc.GOOS, "GOARCH="+tc.GOARCH,
		"GOWORK=off", "GOTOOLCHAIN=local", "GOFLAGS=-mod=readonly -buildvcs=false")
	if !e.CGO {
		return append(env, "CGO_ENABLED=0"), tc, nil
	}
	if tc.CC, err = firstLine(ctx, "gcc", "--version"); err != nil {
		return nil, tc, fmt.Errorf("cgo build needs gcc (apt-get install gcc libc6-dev pkg-config): %w", err)
	}
	sysroot, err := b.sysroot(ctx, e)
	if err != nil {
		return nil, tc, err
	}
	pc := filepath.Join(sysroot, "usr/lib/x86_64-linux-gnu/pkgconfig")
	// The sysroot's paths also go into CGO_CFLAGS and CGO_LDFLAGS: Go's build cache keys a cgo
	// package by those, not by what pkg-config printed, so without them a package compiled
	// against a sysroot elsewhere (another checkout, since removed) is reused and its recorded
	// -L no longer exists at link time ("cannot find -lseccomp").
	return append(env, "CGO_ENABLED=1", "CC=gcc", "PKG_CONFIG_PATH="+pc, "PKG_CONFIG_LIBDIR="+pc,
		"PKG_CONFIG_SYSROOT_DIR="+sysroot,
		"CGO_CFLAGS=-O2 -g -I"+filepath.Join(sysroot, "usr/include"),
		"CGO_LDFLAGS=-O2 -g -L"+filepath.Join(sysroot, "usr/lib/x86_64-linux-gnu")), tc, nil
}

// sysroot extracts the component's pinned Debian packages into one cache directory (once; a
// marker records completion) and returns it.
func (b *builder) sysroot(ctx context.Context, e External) (string, error) {
	var sums []string
	for _, d := range e.Sysroot {
		sums = append(sums, d.SHA256[:16])
	}
	dir, err := filepath.Abs(filepath.Join(b.cache, "sysroot-"+e.Name+"-"+strings.Join(sums, "-")))
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err == nil {
		return dir, nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	for _, d := range e.Sysroot {
		deb, err := b.fetchDeb(ctx, e.Name+" sysroot package", d)
		if err != nil {
			return "", err
		}
		if out, err := exec.CommandContext(ctx, "dpkg-deb", "-x", deb, dir).CombinedOutput(); err != nil { //nolint:gosec // the package is pinned by the manifest and verified by sha256.
			return "", fmt.Errorf("dpkg-deb -x %s: %w\n%s", deb, err, out)
		}
	}
	return dir, os.WriteFile(filepath.Join(dir, ".complete"), nil, 0o644) //nolint:gosec // cache files hold world-readable image inputs.
}

func firstLine(ctx context.Context, name string, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, name, args...).Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line, nil
}
