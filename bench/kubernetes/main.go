// Command kubernetes measures Cairn with Kubernetes (issue 9, item 8):
//
//   - image: the sizes of vmlinuz, initramfs and rootfs.sqsh (against a baseline image built
//     before Kubernetes, with -baseline), the files that dominate the initramfs and the root,
//     and every ELF file in the root with where it comes from (the image's manifest.json);
//   - cluster: the wall time of `cairnctl cluster create --kubernetes --workers 1`, which
//     returns once every node is Ready and CoreDNS answers (median of -runs fresh clusters),
//     and, on the last cluster after -idle, the resident memory of every process on the
//     control plane and the worker (the Processes API) and each node's memory in use.
//
// Run as root from the repository root after `cairnctl image build`:
//
//	go run ./bench/kubernetes [-image _out/image] [-baseline DIR] [-runs 3] [-idle 60s] [-image-only] [-all-elf]
//
// A baseline is any image built before Kubernetes entered the manifest, e.g. from the parent
// of the commit that added the external: slot:
//
//	git archive 39652044b969 | tar -x -C /tmp/base && ln -s "$PWD/_cache" /tmp/base/_cache
//	make -C /tmp/base image OUT=/tmp/base-out   # then -baseline /tmp/base-out/image
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/cairn-os/cairn/internal/app/cairnctl"
)

// options are the harness's flags.
type options struct {
	image, baseline string
	runs, top       int
	memory, cpus    int
	idle            time.Duration
	imageOnly       bool
	allELF          bool
}

func main() {
	// cluster create starts its daemon as `<this binary> cluster serve`.
	if len(os.Args) > 2 && os.Args[1] == "cluster" && os.Args[2] == "serve" {
		os.Exit(cairnctl.Context{Args: os.Args[1:], Stdout: os.Stdout, Stderr: os.Stderr}.Execute(context.Background()))
	}
	var o options
	flag.StringVar(&o.image, "image", "_out/image", "built image directory (with Kubernetes)")
	flag.StringVar(&o.baseline, "baseline", "", "an image directory built before Kubernetes, for the before/after sizes")
	flag.IntVar(&o.runs, "runs", 3, "clusters to create for the time-to-Ready median")
	flag.IntVar(&o.top, "top", 12, "how many of the largest files to list")
	flag.IntVar(&o.memory, "memory", 2048, "memory of each VM in MiB")
	flag.IntVar(&o.cpus, "cpus", 2, "virtual CPUs of each VM")
	flag.DurationVar(&o.idle, "idle", 60*time.Second, "how long the last cluster idles before memory is read")
	flag.BoolVar(&o.imageOnly, "image-only", false, "measure the image only; boot nothing")
	flag.BoolVar(&o.allELF, "all-elf", false, "list every ELF file (default: the first 8 of each origin)")
	flag.Parse()
	if err := run(&report{w: os.Stdout}, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench/kubernetes:", err)
		os.Exit(1)
	}
}

func run(w *report, o options) error {
	if err := imageReport(w, o); err != nil {
		return err
	}
	if o.imageOnly {
		return w.err
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("the cluster measurements need root (cluster create makes a network namespace); -image-only needs none")
	}
	if err := clusterReport(w, o); err != nil {
		return err
	}
	return w.err
}

// report writes the harness's output and keeps the first write error.
type report struct {
	w   io.Writer
	err error
}

func (r *report) printf(format string, args ...any) {
	if r.err == nil {
		_, r.err = fmt.Fprintf(r.w, format, args...)
	}
}
