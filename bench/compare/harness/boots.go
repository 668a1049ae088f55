package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/procfs"

	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
)

// System names, in boot order: A (Debian) then B (Cairn), alternating.
const (
	osDebian = "Debian"
	osCairn  = "Cairn"
)

// bootRun is one timed boot.
type bootRun struct {
	N          int
	OS         string
	Seconds    float64 // 0 when it failed
	Err        string
	OtherCores float64 // cores the rest of the host used during the boot
	IdleCheck  float64 // cores the host used in the 5 s before it
	Load1      string
}

// boots times runs×2 alternating boots, then one runtime boot of each system.
func (r *runner) boots(ctx context.Context, cairn, deb *image) error {
	cctx, err := r.cairnConfig(ctx)
	if err != nil {
		return err
	}
	base, err := r.baseSpec()
	if err != nil {
		return err
	}
	systems := []struct {
		name  string
		img   *image
		probe probeFunc
	}{
		{osDebian, deb, sshProbe(base.SSHPort)},
		{osCairn, cairn, apiProbe(cctx, base.APIPort)},
	}
	for i := 1; i <= r.o.Runs; i++ {
		for _, s := range systems {
			spec := withImage(base, s.img, "")
			r.res.qemu[s.name] = append([]string{"qemu-system-x86_64"}, spec.args()...)
			run := r.timedBoot(ctx, i, s.name, spec, s.probe)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			r.res.runs = append(r.res.runs, run)
		}
	}
	r.debianRuntime(ctx, withImage(base, deb, " measure_runtime"), sshProbe(base.SSHPort))
	if ctx.Err() != nil {
		return ctx.Err()
	}
	r.cairnRuntime(ctx, withImage(base, cairn, ""), cctx)
	return ctx.Err()
}

func withImage(s vmSpec, img *image, extraAppend string) vmSpec {
	s.Kernel, s.Initrd, s.Disk, s.Append = img.Kernel, img.Initrd, img.Disk, img.Append+extraAppend
	return s
}

// baseSpec is the part of the QEMU settings both systems share.
func (r *runner) baseSpec() (vmSpec, error) {
	self, err := os.Executable()
	if err != nil {
		return vmSpec{}, err
	}
	cfg := filepath.Join(r.work, "config", "controlplane.yaml")
	for _, p := range []string{self, cfg} {
		if strings.ContainsAny(p, " \t,'\"\\") {
			return vmSpec{}, fmt.Errorf("guestfwd path %q: must not hold spaces, quotes, backslashes or commas", p)
		}
	}
	cmd := self + " " + ServeConfigCommand + " " + cfg
	ssh, err1 := freePort()
	api, err2 := freePort()
	if err1 != nil || err2 != nil {
		return vmSpec{}, fmt.Errorf("pick loopback ports: %w", errors.Join(err1, err2))
	}
	return vmSpec{MemMiB: r.o.MemMiB, CPUs: r.o.CPUs, SSHPort: ssh, APIPort: api, ConfigCmd: cmd}, nil
}

// cairnConfig generates a fresh cluster (secrets, controlplane.yaml, cairnconfig) with
// cairnctl, in the scratch directory; it is deleted with it.
func (r *runner) cairnConfig(ctx context.Context) (*clientconfig.Context, error) {
	dir := filepath.Join(r.work, "config")
	if err := r.command(ctx, "cairn-gen-config.log", r.res.cairnctl, "gen", "config", "bench", "https://10.0.2.15:6443",
		"-o", dir, "--output-types", "controlplane,cairnconfig"); err != nil {
		return nil, err
	}
	cc, err := clientconfig.Load(filepath.Join(dir, "cairnconfig"))
	if err != nil {
		return nil, err
	}
	cctx, _, err := cc.Get("")
	return cctx, err
}

// timedBoot boots once after waiting for an idle host and times the endpoint.
func (r *runner) timedBoot(ctx context.Context, n int, name string, spec vmSpec, probe probeFunc) bootRun {
	run := bootRun{N: n, OS: name}
	idle, err := waitIdle(ctx, r.o.IdleMax, r.o.IdleWait)
	if err != nil {
		run.Err = err.Error()
		return run
	}
	run.IdleCheck, run.Load1 = idle, load1()
	serial := r.logPath(fmt.Sprintf("boot-%d-%s.serial", n, strings.ToLower(name)))
	c0, _ := readCPU()
	v, err := r.vms.start(spec, serial)
	if err != nil {
		run.Err = err.Error()
		return run
	}
	d, err := waitEndpoint(ctx, v, r.o.Timeout, probe)
	c1, _ := readCPU()
	elapsed := time.Since(v.started)
	q, _ := v.cpuSeconds()
	r.vms.stop(v)
	run.OtherCores = cores(c0, c1, q, elapsed)
	if err != nil {
		run.Err = err.Error()
	} else {
		run.Seconds = d.Seconds()
	}
	r.log.Info("boot", "run", n, "os", name, "seconds", fmt.Sprintf("%.2f", run.Seconds), "other_cores",
		fmt.Sprintf("%.2f", run.OtherCores), "idle_check", fmt.Sprintf("%.2f", idle), "load1", run.Load1, "error", run.Err)
	return run
}

func (r *runner) logPath(name string) string {
	dir := filepath.Join(r.abs(r.o.Cache), "logs")
	_ = os.MkdirAll(dir, 0o750)
	return filepath.Join(dir, name)
}

func load1() string {
	fs, err := procfs.NewFS(procRoot)
	if err != nil {
		return "?"
	}
	l, err := fs.LoadAvg()
	if err != nil {
		return "?"
	}
	return strconv.FormatFloat(l.Load1, 'f', 2, 64)
}
