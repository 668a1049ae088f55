//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-os/cairn/internal/app/imager"
)

var (
	imageOnce sync.Once
	imageDir  string
	imageErr  error
)

// buildImage builds the image once per test run (into a temporary directory) and returns it:
// the kernel and initramfs, and cairn.raw for the disk-boot tests.
func buildImage(t *testing.T) string {
	t.Helper()
	imageOnce.Do(func() {
		dir, err := os.MkdirTemp("", "cairn-e2e-image-")
		if err != nil {
			imageErr = err
			return
		}
		imageDir = dir
		e := newEnv(t)
		e.vars["SOURCE_DATE_EPOCH"] = "1700000000"
		_, imageErr = e.run("image", "build", "--format", "initramfs,raw", "--out", dir, "--cache", filepath.Join(repoRoot(t), "_cache"))
	})
	if imageErr != nil {
		t.Fatal(imageErr)
	}
	return imageDir
}

// TestImageReproducible builds the image twice in a row from the same inputs and compares
// every artifact's sha256, then checks the policy on the produced root.
func TestImageReproducible(t *testing.T) {
	first, second := t.TempDir(), t.TempDir()
	e := newEnv(t)
	e.vars["SOURCE_DATE_EPOCH"] = "1700000000"
	e.must("image", "build", "--out", first, "--cache", filepath.Join(repoRoot(t), "_cache"))
	e.must("image", "build", "--out", second, "--cache", filepath.Join(repoRoot(t), "_cache"))
	a, err := imager.ReadResult(first)
	if err != nil {
		t.Fatal(err)
	}
	b, err := imager.ReadResult(second)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a.Artifacts, b.Artifacts); diff != "" {
		t.Errorf("two builds of the same inputs differ (-first +second):\n%s", diff)
	}
	for _, name := range []string{"vmlinuz", "initramfs", "rootfs.sqsh"} {
		if a.Artifacts[name].Size == 0 {
			t.Errorf("artifact %s missing from manifest.json", name)
		}
	}
	if err := imager.CheckSquashfs(t.Context(), filepath.Join(second, "rootfs.sqsh")); err != nil {
		t.Errorf("produced root violates the image policy: %v", err)
	}
}
