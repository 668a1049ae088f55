// Command boot measures a Cairn image (issue 4, item 8): the sizes of the kernel, initramfs
// and root; the number of executables in the root; the wall time from QEMU start to the API
// answering (median of 3 fresh clusters); and the resident memory of machined and apid on the
// idle node. Run as root from the repository root after `cairnctl image build`:
//
//	go run ./bench/boot [-image _out/image] [-runs 3]
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-os/cairn/bench/internal/ctl"
	"github.com/cairn-os/cairn/internal/app/cairnctl"
	"github.com/cairn-os/cairn/internal/app/imager"
)

func main() {
	// cluster create starts its daemon as `<this binary> cluster serve`.
	if len(os.Args) > 2 && os.Args[1] == "cluster" && os.Args[2] == "serve" {
		os.Exit(cairnctl.Context{Args: os.Args[1:], Stdout: os.Stdout, Stderr: os.Stderr}.Execute(context.Background()))
	}
	image := flag.String("image", "_out/image", "built image directory")
	runs := flag.Int("runs", 3, "clusters to boot for the boot-time median")
	idle := flag.Duration("idle", 20*time.Second, "how long the node idles before memory is read")
	flag.Parse()
	if err := run(*image, *runs, *idle); err != nil {
		fmt.Fprintln(os.Stderr, "bench/boot:", err)
		os.Exit(1)
	}
}

func run(image string, runs int, idle time.Duration) error {
	res, err := imager.ReadResult(image)
	if err != nil {
		return err
	}
	fmt.Printf("image %s (kernel %s %s)\n", res.Tag, res.Kernel.Package, res.Kernel.Version)
	for _, a := range []string{"vmlinuz", "initramfs", "rootfs.sqsh"} {
		fmt.Printf("  %-12s %6.1f MiB\n", a, float64(res.Artifacts[a].Size)/(1<<20))
	}
	execs, links, err := executables(filepath.Join(image, "rootfs.sqsh"))
	if err != nil {
		return err
	}
	fmt.Printf("  executables in the root: %d regular file(s) (%s), plus %d symlink(s) to them\n", len(execs), strings.Join(execs, ", "), links)
	tmp, err := os.MkdirTemp("", "cairn-bench-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	env := map[string]string{"CAIRNCONFIG": filepath.Join(tmp, "cairnconfig"), "XDG_STATE_HOME": filepath.Join(tmp, "state")}
	var times []float64
	for i := 1; i <= runs; i++ {
		t, rss, err := boot(env, image, i == runs, idle)
		if err != nil {
			return err
		}
		times = append(times, t)
		fmt.Printf("  run %d: QEMU start -> API answers: %.1fs\n", i, t)
		if rss != "" {
			fmt.Print(rss)
		}
	}
	sort.Float64s(times)
	fmt.Printf("boot to API (median of %d): %.1fs  [%s]\n", runs, times[len(times)/2], ctl.Seconds(times))
	return nil
}

var reAnswers = regexp.MustCompile(`API answers at \S+ \(([0-9.]+)s after QEMU started\)`)

// boot creates a one-node cluster, returns the boot-to-API time and (if measureRSS) the idle
// memory of machined and apid, then destroys the cluster.
func boot(env map[string]string, image string, measureRSS bool, idle time.Duration) (float64, string, error) {
	name := "bench"
	defer ctl.Run(env, "cluster", "destroy", "--name", name) //nolint:errcheck // best-effort cleanup
	out, err := ctl.Run(env, "cluster", "create", "--name", name, "--kubernetes=false", "--image", image)
	if err != nil {
		return 0, "", err
	}
	m := reAnswers.FindStringSubmatch(out)
	if m == nil {
		return 0, "", fmt.Errorf("no boot time in cluster create output:\n%s", out)
	}
	t, _ := strconv.ParseFloat(m[1], 64)
	if !measureRSS {
		return t, "", nil
	}
	time.Sleep(idle)
	ps, err := ctl.Run(env, "ps")
	if err != nil {
		return t, "", err
	}
	var b strings.Builder
	for _, line := range strings.Split(ps, "\n") {
		f := strings.Fields(line)
		if len(f) >= 8 && (strings.Contains(line, "/sbin/machined") || strings.Contains(line, "apid")) {
			fmt.Fprintf(&b, "  idle RSS after %s: %-10s %s\n", idle, f[6], strings.Join(f[7:], " "))
		}
	}
	return t, b.String(), nil
}

// executables lists the regular files with an execute bit in the squashfs.
func executables(sqsh string) ([]string, int, error) {
	out, err := exec.Command("unsquashfs", "-lls", "-d", "", sqsh).Output()
	if err != nil {
		return nil, 0, fmt.Errorf("unsquashfs: %w", err)
	}
	entries, err := imager.ParseListing(bytes.NewReader(out))
	if err != nil {
		return nil, 0, err
	}
	var execs []string
	links := 0
	for _, e := range entries {
		switch {
		case e.Mode.IsRegular() && e.Mode.Perm()&0o111 != 0:
			execs = append(execs, e.Path)
		case e.Mode&os.ModeSymlink != 0:
			links++
		}
	}
	return execs, links, nil
}
