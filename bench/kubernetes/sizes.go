package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/cairn-os/cairn/internal/app/imager"
)

// artifacts are the boot assets whose sizes are reported; vmlinuz + initramfs is what a
// machine boots (the initramfs carries rootfs.sqsh).
var artifacts = []string{"vmlinuz", "initramfs", "rootfs.sqsh"}

// imageReport prints the sizes (against the baseline, if any), the largest files of the
// initramfs and the root, and the root's ELF files with their origins.
func imageReport(w *report, o options) error {
	image, baseline := o.image, o.baseline
	res, err := imager.ReadResult(image)
	if err != nil {
		return err
	}
	var base *imager.Result
	if baseline != "" {
		if base, err = imager.ReadResult(baseline); err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
	}
	w.printf("## Image %s (commit %.12s)\n\n", res.Tag, res.Commit)
	printSizes(w, res, base)
	entries, err := readInitramfs(filepath.Join(image, "initramfs"))
	if err != nil {
		return err
	}
	w.printf("\ninitramfs contents (uncompressed), largest first:\n")
	printLargest(w, entries, o.top)
	root, cleanup, err := unpackRoot(filepath.Join(image, "rootfs.sqsh"))
	if err != nil {
		return err
	}
	defer cleanup()
	files, err := scanRoot(root)
	if err != nil {
		return err
	}
	w.printf("\nroot (rootfs.sqsh unpacked), largest first:\n")
	printLargest(w, files, o.top)
	w.printf("\nroot, by estimated share of rootfs.sqsh (128 KiB blocks, zstd, each alone):\n")
	printSquashed(w, files, res.Artifacts["rootfs.sqsh"].Size, o.top)
	printELF(w, files, newOrigins(res), o.allELF)
	for _, img := range res.Images {
		w.printf("  OCI image %s at %s (%.1f MiB; its binary is counted in the tarball, not as an ELF file)\n", img.Ref, img.Path, mib(img.Size))
	}
	return nil
}

func printSizes(w *report, res, base *imager.Result) {
	var sum, baseSum int64
	for _, a := range artifacts {
		size := res.Artifacts[a].Size
		line := fmt.Sprintf("  %-12s %8.1f MiB", a, mib(size))
		if base != nil {
			b := base.Artifacts[a].Size
			line += fmt.Sprintf("   before Kubernetes %8.1f MiB (%+.1f MiB)", mib(b), mib(size-b))
		}
		w.printf("%s\n", line)
		if a != "rootfs.sqsh" {
			sum, baseSum = sum+size, baseSum+sizeOf(base, a)
		}
	}
	line := fmt.Sprintf("  %-12s %8.1f MiB", "boot total", mib(sum))
	if base != nil {
		line += fmt.Sprintf("   before Kubernetes %8.1f MiB (%.1fx)", mib(baseSum), float64(sum)/float64(baseSum))
	}
	w.printf("%s\n", line+"  (vmlinuz + initramfs; the initramfs holds rootfs.sqsh)")
}

// file is one regular file of the initramfs or the root.
type file struct {
	path     string
	size     int64
	squashed int64    // estimated size in rootfs.sqsh (root files only)
	elf      *elfInfo // nil: not an ELF file
}

func printLargest(w *report, files []file, top int) {
	sorted := append([]file(nil), files...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].size > sorted[j].size })
	var total int64
	for _, f := range files {
		total += f.size
	}
	for i, f := range sorted {
		if i == top {
			w.printf("  ... %d more file(s)\n", len(sorted)-top)
			break
		}
		w.printf("  %8.1f MiB %5.1f%%  %s\n", mib(f.size), 100*float64(f.size)/float64(max(total, 1)), f.path)
	}
	w.printf("  %8.1f MiB in %d file(s)\n", mib(total), len(files))
}

func printSquashed(w *report, files []file, actual int64, top int) {
	sorted := append([]file(nil), files...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].squashed > sorted[j].squashed })
	var total int64
	for _, f := range files {
		total += f.squashed
	}
	for _, f := range sorted[:min(top, len(sorted))] {
		w.printf("  %8.1f MiB %5.1f%%  %s (%.1f MiB unpacked, %.1fx)\n", mib(f.squashed), 100*float64(f.squashed)/float64(max(total, 1)),
			f.path, mib(f.size), float64(f.size)/float64(max(f.squashed, 1)))
	}
	w.printf("  %8.1f MiB estimated in all; rootfs.sqsh is %.1f MiB (mksquashfs's zstd level 15 beats the estimate's,\n"+
		"               and it adds metadata: read the shares, not the absolute sizes)\n", mib(total), mib(actual))
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// sizeOf is the size of an artifact of an image, 0 without an image.
func sizeOf(r *imager.Result, name string) int64 {
	if r == nil {
		return 0
	}
	return r.Artifacts[name].Size
}

// unpackRoot extracts a squashfs into a temporary directory with unsquashfs.
func unpackRoot(sqsh string) (string, func(), error) {
	tmp, err := os.MkdirTemp("", "cairn-bench-root-")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { _ = os.RemoveAll(tmp) }
	root := filepath.Join(tmp, "root")
	if err := runTool("unsquashfs", "-no-xattrs", "-quiet", "-no-progress", "-d", root, sqsh); err != nil {
		cleanup()
		return "", nil, err
	}
	return root, cleanup, nil
}
