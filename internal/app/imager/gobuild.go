package imager

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// buildBinaries builds the manifest's Go programs into dir, reproducibly: CGO off, the
// certified FIPS 140-3 module, -trimpath, version stamped with -X.
func (b *builder) buildBinaries(ctx context.Context, dir string) error {
	ldflags := fmt.Sprintf("-s -w -X github.com/cairn-os/cairn/pkg/machinery/version.Tag=%s -X github.com/cairn-os/cairn/pkg/machinery/version.Commit=%s", b.tag, b.commit)
	for _, bin := range b.m.Binaries {
		b.progress("building %s (%s) with GOFIPS140=certified", bin.Name, bin.Package)
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-tags", buildTags, "-ldflags", ldflags, "-o", filepath.Join(dir, bin.Name), bin.Package) //nolint:gosec // the program and arguments come from the pinned manifest or our own plan, not from a caller.
		cmd.Dir = b.src
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFIPS140=certified", "GOOS=linux", "GOARCH=amd64")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %w\n%s", bin.Package, err, out)
		}
	}
	return nil
}

// gitDescribe returns the tag and commit of the source tree, as the Makefile stamps them.
func gitDescribe(src string) (tag, commit string) {
	run := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = src
		out, err := cmd.Output()
		if err != nil {
			return ""
		}
		return strings.TrimSpace(string(out))
	}
	tag, commit = run("describe", "--tags", "--always", "--dirty"), run("rev-parse", "HEAD")
	if tag == "" {
		tag = "v0.0.0-dev"
	}
	if commit == "" {
		commit = "unknown"
	}
	return tag, commit
}

// toolVersions records the first line of each host tool's version output.
func toolVersions(ctx context.Context) map[string]string {
	out := map[string]string{}
	for name, args := range map[string][]string{
		"go":         {"go", "version"},
		"mksquashfs": {"mksquashfs", "-version"},
		"dpkg-deb":   {"dpkg-deb", "--version"},
	} {
		b, err := exec.CommandContext(ctx, args[0], args[1:]...).Output() //nolint:gosec // the program and arguments come from the pinned manifest or our own plan, not from a caller.
		if err != nil {
			out[name] = "unknown: " + err.Error()
			continue
		}
		out[name], _, _ = strings.Cut(strings.TrimSpace(string(b)), "\n")
	}
	return out
}

// buildTags are the build tags of Cairn's own binaries, as the Makefile's GOTAGS: grpcnotrace
// leaves out grpc's x/net/trace debug pages, which no Cairn binary serves.
const buildTags = "grpcnotrace"
