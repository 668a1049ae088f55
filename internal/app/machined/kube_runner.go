package machined

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/cosi-project/runtime/pkg/controller"
	"github.com/cosi-project/runtime/pkg/safe"
	"go.uber.org/zap"
	"golang.org/x/sys/unix"

	"github.com/cairn-os/cairn/internal/controllers/kubeservice"
	"github.com/cairn-os/cairn/internal/pkg/sandbox"
	"github.com/cairn-os/cairn/internal/pkg/supervisor"
	"github.com/cairn-os/cairn/pkg/machinery/constants"
	"github.com/cairn-os/cairn/pkg/machinery/resources"
)

// kubeRunner makes the supervisor run exactly the KubeService resources: a new one is
// started, a changed one (new digest) restarted with its new definition, a removed one stopped.
type kubeRunner struct {
	n        *daemon
	running  map[string]string             // service name → digest it runs with
	starting map[string]context.CancelFunc // service name → its start loop
}

// Name implements controller.Controller.
func (k *kubeRunner) Name() string { return "kubernetes.ServiceRunner" }

// Inputs implements controller.Controller.
func (k *kubeRunner) Inputs() []controller.Input {
	return []controller.Input{{Namespace: resources.NamespaceKubernetes, Type: resources.KubeServiceType, Kind: controller.InputWeak}}
}

// Outputs implements controller.Controller.
func (k *kubeRunner) Outputs() []controller.Output { return nil }

// Run implements controller.Controller.
func (k *kubeRunner) Run(ctx context.Context, r controller.Runtime, log *zap.Logger) error {
	k.running, k.starting = map[string]string{}, map[string]context.CancelFunc{}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-r.EventCh():
		}
		list, err := safe.ReaderListAll[*resources.KubeService](ctx, r)
		if err != nil {
			return fmt.Errorf("list KubeServices: %w", err)
		}
		want := map[string]resources.KubeServiceSpec{}
		for s := range list.All() {
			want[s.Metadata().ID()] = *s.TypedSpec()
		}
		k.reconcile(ctx, want, log)
	}
}

// reconcile removes services no longer wanted (dependents first), then puts new and changed
// ones in dependency order; Put of a service whose dependency is not yet running waits for it,
// so each runs in a goroutine of its own.
func (k *kubeRunner) reconcile(ctx context.Context, want map[string]resources.KubeServiceSpec, log *zap.Logger) {
	for _, name := range kubeStopOrder {
		if _, ok := want[name]; !ok && k.running[name] != "" {
			if err := k.n.sup.Remove(name); err != nil && !errors.Is(err, supervisor.ErrNotFound) {
				log.Warn("Kubernetes service not removed", zap.String("service", name), zap.Error(err))
				continue
			}
			delete(k.running, name)
			if p := kubeservice.RecordPath(name); p != "" {
				if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
					log.Warn("record of a removed Kubernetes service not removed", zap.String("path", p), zap.Error(err))
				}
			}
			if cancel := k.starting[name]; cancel != nil {
				cancel()
				delete(k.starting, name)
			}
		}
	}
	for _, name := range kubeStartOrder {
		spec, ok := want[name]
		if !ok || k.running[name] == spec.Digest {
			continue
		}
		if err := k.n.sup.Put(ctx, k.n.kubeSpec(name, spec), false); err != nil {
			log.Warn("Kubernetes service not defined", zap.String("service", name), zap.Error(err))
			continue
		}
		k.running[name] = spec.Digest
		k.writeRecord(name, spec, log)
		if cancel := k.starting[name]; cancel != nil {
			cancel()
		}
		sctx, cancel := context.WithCancel(ctx)
		k.starting[name] = cancel
		go k.start(sctx, name, log)
	}
}

// writeRecord writes the service's record at kubeadm's path (kubeservice.Record) from the
// spec the supervisor was just given. A record not written is logged and does not stop the
// service: the CIS checks then report the file missing.
func (k *kubeRunner) writeRecord(name string, spec resources.KubeServiceSpec, log *zap.Logger) {
	f, ok, err := kubeservice.Record(name, spec)
	if ok && err == nil {
		err = writeKubeFile(f)
	}
	if err != nil {
		log.Warn("record of a Kubernetes service not written", zap.String("service", name), zap.Error(err))
	}
}

// start starts a service once its dependencies run, trying again every few seconds until
// it runs (a dependency may start after it, or take minutes to become ready).
func (k *kubeRunner) start(ctx context.Context, name string, log *zap.Logger) {
	for ctx.Err() == nil {
		_, err := k.n.sup.Start(ctx, name)
		if err == nil || errors.Is(err, supervisor.ErrNotFound) {
			return
		}
		log.Debug("Kubernetes service not running yet", zap.String("service", name), zap.Error(err))
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second):
		}
	}
}

// The services in dependency order, and the reverse.
var (
	kubeStartOrder = []string{"containerd", "kubelet", "kube-proxy", "etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"}
	kubeStopOrder  = []string{"kube-scheduler", "kube-controller-manager", "kube-apiserver", "etcd", "kube-proxy", "kubelet", "containerd"}
)

// kubeSpec is the supervisor's definition of a KubeService.
func (n *daemon) kubeSpec(name string, s resources.KubeServiceSpec) supervisor.Spec {
	return supervisor.Spec{
		Name: name, DependsOn: s.DependsOn, StopTimeout: 20e9,
		Command: func() *exec.Cmd {
			c := exec.Command(s.Path) //nolint:gosec // a program of the image, named by the controller
			c.Args, c.Env = s.Args, fipsEnv(name, s.Env, os.Getenv("GODEBUG"))
			c.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
			return c
		},
		Files:      handedFiles(s.Handed),
		Sandbox:    n.kubeSandbox(name, s),
		Limits:     sandbox.Limits{MemoryMax: s.MemoryMax, PidsMax: s.PidsMax, CPUWeight: s.CPUWeight},
		Ready:      readyCheck(s.Ready, s.ReadyCA),
		StartAfter: readyCheck(s.StartAfter, s.ReadyCA), StartAfterWhat: checkWhat(s.StartAfter),
		ReadyWithin: s.ReadyWithin,
	}
}

// maxHanded bounds a handed file (a key or a kubeconfig is a few KiB).
const maxHanded = 1 << 20

// handedFiles returns the Files of a service that is handed paths (nil for none): for each,
// in order, a read-only copy in a sealed memfd named after it. The component reads the copy
// through /proc/self/fd/N, which opens the memfd again whoever owns the file it came from:
// keys and kubeconfigs stay root's, 0600.
func handedFiles(paths []string) func() ([]*os.File, error) {
	if len(paths) == 0 {
		return nil
	}
	return func() ([]*os.File, error) {
		var out []*os.File
		for _, p := range paths {
			f, err := handedCopy(p)
			if err != nil {
				for _, f := range out {
					_ = f.Close()
				}
				return nil, err
			}
			out = append(out, f)
		}
		return out, nil
	}
}

// handedCopy copies the file at path into a memfd sealed against any change.
func handedCopy(path string) (*os.File, error) {
	src, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("hand over %s: %w", path, err)
	}
	defer func() { _ = src.Close() }()
	data, err := io.ReadAll(io.LimitReader(src, maxHanded+1))
	if err != nil {
		return nil, fmt.Errorf("hand over %s: %w", path, err)
	}
	if len(data) > maxHanded {
		return nil, fmt.Errorf("hand over %s: larger than %d bytes", path, maxHanded)
	}
	fd, err := unix.MemfdCreate(constants.HandedFilePrefix+path, unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("hand over %s: memfd: %w", path, err)
	}
	f := os.NewFile(uintptr(fd), path)
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("hand over %s: %w", path, err)
	}
	const seals = unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(f.Fd(), unix.F_ADD_SEALS, seals); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("hand over %s: seal: %w", path, err)
	}
	return f, nil
}

// fipsOnlyServices survive GODEBUG=fips140=only (FACTS.md); etcd and kube-apiserver use
// SHA-1 and MD5 for non-security hashing and panic under it, so they keep fips140=on.
var fipsOnlyServices = map[string]bool{"containerd": true, "kubelet": true, "kube-controller-manager": true, "kube-scheduler": true}

// fipsEnv is the environment of service name: env, plus GODEBUG=fips140=only when machined
// runs in strict mode (cairn.fips=strict; machinedGodebug is machined's own GODEBUG) and the
// service survives it.
func fipsEnv(name string, env []string, machinedGodebug string) []string {
	if !fipsOnlyServices[name] || !slices.Contains(strings.Split(machinedGodebug, ","), "fips140=only") {
		return env
	}
	return append(slices.Clone(env), "GODEBUG=fips140=only")
}

// kubeSandbox: privileged services keep root's capabilities (containerd and the kubelet
// create containers); root services with Caps keep only those, with no_new_privs; the others
// run as their own user without capabilities, with no_new_privs. Each has its own cgroup.
func (n *daemon) kubeSandbox(name string, s resources.KubeServiceSpec) *supervisor.Sandbox {
	sb := &supervisor.Sandbox{}
	if n.sandbox.cgroups != nil {
		sb.Cgroup = sandbox.CgroupPath{Mount: n.sandbox.cgroups.Mount, Group: path.Join(n.sandbox.cgroups.Group, name)}
	}
	if s.Privileged {
		for c := uintptr(0); c <= unix.CAP_LAST_CAP; c++ {
			sb.Caps = append(sb.Caps, c)
		}
		return sb
	}
	sb.NoNewPrivs = true
	sb.Credential = &syscall.Credential{Uid: s.UID, Gid: s.GID, Groups: s.Groups}
	for _, c := range s.Caps {
		if v, ok := capByName[c]; ok {
			sb.Caps = append(sb.Caps, v)
		}
	}
	return sb
}

var capByName = map[string]uintptr{"CAP_NET_ADMIN": unix.CAP_NET_ADMIN, "CAP_NET_RAW": unix.CAP_NET_RAW}

// checkWhat says what a check in readyCheck's forms waits for, for the service's Waiting
// message.
func checkWhat(s string) string {
	kind, arg, _ := strings.Cut(s, ":")
	switch kind {
	case "tcp":
		return arg + " to accept connections"
	case "https":
		return "https://" + arg + " to answer 200"
	case "unix":
		return "the socket " + arg
	case "file":
		return "the file " + arg
	}
	return s
}

// readyCheck turns "tcp:ADDR", "unix:PATH" or "file:PATH" into a ready check.
func readyCheck(s, ca string) func(context.Context) error {
	kind, arg, _ := strings.Cut(s, ":")
	switch kind {
	case "tcp":
		return portAnswers(arg)
	case "https":
		return httpsReady("https://"+arg, ca)
	case "unix":
		return func(ctx context.Context) error {
			c, err := (&net.Dialer{}).DialContext(ctx, "unix", arg)
			if err != nil {
				return err
			}
			return c.Close()
		}
	case "file":
		return func(context.Context) error { _, err := os.Stat(arg); return err }
	}
	return nil
}
