// Package harness runs the side-by-side comparison of Cairn and a Debian 12 node: it builds
// both images (cached), boots them alternately under identical QEMU settings, measures them
// and writes bench/results/compare.md and compare.png.
package harness

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// Options are the command-line settings of one comparison.
type Options struct {
	Runs       int
	MemMiB     int
	CPUs       int
	Idle       time.Duration // idle time before reading memory (the Debian probe's is fixed at 90 s)
	Timeout    time.Duration // per boot
	IdleMax    float64       // cores the rest of the host may use for a boot to start
	IdleWait   time.Duration // longest wait for that
	Out        string        // bench/results
	Cache      string        // _cache/bench
	Peers      string        // ../shared/peers/debian-node
	BenchCount int           // -count of the API micro-benchmarks; 0 skips them
	SkipBoot   bool          // only the offline figures and the micro-benchmarks
}

func (o *Options) flags(fs *flag.FlagSet) {
	fs.IntVar(&o.Runs, "runs", 3, "boots of each OS (alternating Debian, Cairn, Debian, ...)")
	fs.IntVar(&o.MemMiB, "memory", 2048, "guest memory in MiB (both VMs)")
	fs.IntVar(&o.CPUs, "cpus", 2, "guest vCPUs (both VMs)")
	fs.DurationVar(&o.Idle, "idle", 90*time.Second, "idle time before memory is read (the Debian image's probe is fixed at 90s)")
	fs.DurationVar(&o.Timeout, "timeout", 10*time.Minute, "give up one boot after this long")
	fs.Float64Var(&o.IdleMax, "idle-max", 0.3, "start a boot when the rest of the host uses fewer cores than this")
	fs.DurationVar(&o.IdleWait, "idle-wait", 5*time.Minute, "longest wait for an idle host before each boot")
	fs.StringVar(&o.Out, "out", "bench/results", "directory for compare.md and compare.png")
	fs.StringVar(&o.Cache, "cache", "_cache/bench", "directory for cached images, logs and scratch files")
	fs.StringVar(&o.Peers, "peers", "../shared/peers/debian-node", "directory of the Debian node scripts")
	fs.IntVar(&o.BenchCount, "bench-count", 6, "-count for the API micro-benchmarks in bench/api (0 skips them)")
	fs.BoolVar(&o.SkipBoot, "skip-boot", false, "skip the VM boots (offline figures and micro-benchmarks only)")
}

func (o *Options) validate() error {
	var errs []error
	if o.Runs < 1 {
		errs = append(errs, fmt.Errorf("-runs: %d: want at least 1", o.Runs))
	}
	if o.MemMiB < 256 {
		errs = append(errs, fmt.Errorf("-memory: %d: want at least 256 MiB", o.MemMiB))
	}
	if o.CPUs < 1 {
		errs = append(errs, fmt.Errorf("-cpus: %d: want at least 1", o.CPUs))
	}
	if o.Idle < 0 || o.Timeout <= 0 || o.IdleWait < 0 || o.BenchCount < 0 {
		errs = append(errs, errors.New("-idle, -timeout, -idle-wait and -bench-count must not be negative"))
	}
	return errors.Join(errs...)
}

// Main is the entry point of bench/compare; it returns the exit code.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == ServeConfigCommand {
		if err := serveConfigMain(args[1:], stdin, stdout); err != nil {
			_, _ = fmt.Fprintln(stderr, "serve-config:", err)
			return 1
		}
		return 0
	}
	o := &Options{}
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o.flags(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := o.validate(); err != nil {
		_, _ = fmt.Fprintln(stderr, err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	r := &runner{o: o, log: log, stdout: stdout, args: args, vms: newVMSet(), res: results{qemu: map[string][]string{}}}
	err := r.run(ctx)
	r.vms.stopAll(log)
	if err != nil {
		log.Error("comparison failed", "error", err)
		return 1
	}
	return 0
}

// runner holds the state of one comparison.
type runner struct {
	o      *Options
	log    *slog.Logger
	stdout io.Writer
	args   []string
	vms    *vmSet
	root   string // repository root
	work   string // scratch directory, removed at the end
	res    results
}

func (r *runner) run(ctx context.Context) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	r.root = root
	if err := checkPrereqs(r.o, root); err != nil {
		return err
	}
	cache := r.abs(r.o.Cache)
	if err := os.MkdirAll(cache, 0o750); err != nil {
		return err
	}
	removeStale(cache, r.log)
	r.work, err = os.MkdirTemp(cache, "run-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(r.work) }()
	r.res.started = time.Now().UTC()
	if err := r.measure(ctx); err != nil {
		return err
	}
	return r.write()
}

// measure builds, inspects and boots both systems, filling r.res.
func (r *runner) measure(ctx context.Context) error {
	cairn, err := r.buildCairn(ctx)
	if err != nil {
		return err
	}
	deb, err := r.buildDebian(ctx)
	if err != nil {
		return err
	}
	r.res.cairn.img, r.res.debian.img = cairn, deb
	if err := r.surfaces(ctx, cairn, deb); err != nil {
		return err
	}
	if !r.o.SkipBoot {
		if err := r.boots(ctx, cairn, deb); err != nil {
			return err
		}
	}
	if r.o.BenchCount > 0 {
		r.res.apiBench = r.apiBenchmarks(ctx)
	}
	return ctx.Err()
}

// abs resolves a path given relative to the repository root.
func (r *runner) abs(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(r.root, p)
}

// removeStale deletes scratch directories left by a run that was killed outright (SIGKILL
// leaves no chance to clean up; its QEMUs die with it through PDEATHSIG). One comparison runs
// at a time per cache directory.
func removeStale(cache string, log *slog.Logger) {
	stale, _ := filepath.Glob(filepath.Join(cache, "run-*"))
	for _, d := range stale {
		log.Info("removing the scratch directory of an earlier, killed run", "dir", d)
		_ = os.RemoveAll(d)
	}
}
