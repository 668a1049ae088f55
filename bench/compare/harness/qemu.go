package harness

import (
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/procfs"
)

// Guest-side addresses of the user-mode network (QEMU's slirp defaults).
const (
	configHost = "10.0.2.100" // guestfwd: the Cairn config, served by this program per connection
	configURL  = "http://" + configHost + "/config.yaml"
)

// vmSpec is everything that differs between two boots; everything else is fixed in args so
// both systems run under the same machine.
type vmSpec struct {
	Kernel, Initrd, Disk, Append string
	MemMiB, CPUs                 int
	SSHPort, APIPort             int    // host loopback ports forwarded to guest :22 and :50000
	ConfigCmd                    string // guestfwd command serving the config (same for both)
}

// args returns the QEMU command line. Both VMs get: TCG, the same vCPUs and memory, one
// virtio-blk disk opened with -snapshot, one virtio-net NIC on user-mode networking with
// restrict=on, both loopback forwards and the config guestfwd, a virtio-rng, the serial
// console on stdout, and no reboot.
func (s vmSpec) args() []string {
	netdev := fmt.Sprintf("user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:%d-:22,hostfwd=tcp:127.0.0.1:%d-:50000,guestfwd=tcp:%s:80-cmd:%s",
		s.SSHPort, s.APIPort, configHost, strings.ReplaceAll(s.ConfigCmd, ",", ",,"))
	return []string{
		"-accel", "tcg", "-m", strconv.Itoa(s.MemMiB), "-smp", strconv.Itoa(s.CPUs),
		"-kernel", s.Kernel, "-initrd", s.Initrd, "-append", s.Append,
		"-drive", "file=" + s.Disk + ",if=virtio,format=raw", "-snapshot",
		"-netdev", netdev, "-device", "virtio-net-pci,netdev=n0",
		"-device", "virtio-rng-pci",
		"-nographic", "-no-reboot",
	}
}

// vm is one running QEMU.
type vm struct {
	cmd     *exec.Cmd
	serial  string // path of the serial log
	started time.Time
	done    chan struct{}
}

// vmSet tracks every QEMU this process started so none outlives it.
type vmSet struct {
	mu  sync.Mutex
	vms map[*vm]bool
}

func newVMSet() *vmSet { return &vmSet{vms: map[*vm]bool{}} }

// start launches QEMU with its serial console going to serialPath.
func (s *vmSet) start(spec vmSpec, serialPath string) (*vm, error) {
	f, err := os.Create(serialPath)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	cmd := exec.Command("qemu-system-x86_64", spec.args()...) //nolint:gosec // G204: the arguments are our own image paths and settings, not a caller's input.
	cmd.Stdout, cmd.Stderr = f, f
	// Own process group (a terminal's ^C reaches us, not QEMU directly) and killed by the
	// kernel should this process die without cleaning up.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	v := &vm{cmd: cmd, serial: serialPath, done: make(chan struct{})}
	s.mu.Lock()
	defer s.mu.Unlock()
	v.started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start qemu: %w", err)
	}
	s.vms[v] = true
	go func() { _ = cmd.Wait(); close(v.done) }()
	return v, nil
}

// exited reports whether QEMU has ended.
func (v *vm) exited() bool {
	select {
	case <-v.done:
		return true
	default:
		return false
	}
}

// cpuSeconds is QEMU's user+system time so far.
func (v *vm) cpuSeconds() (float64, error) {
	return processCPU(procRoot, v.cmd.Process.Pid)
}

// stop ends QEMU: SIGTERM to its process group, SIGKILL after 5 s.
func (s *vmSet) stop(v *vm) {
	if !v.exited() {
		pid := v.cmd.Process.Pid
		_ = syscall.Kill(-pid, syscall.SIGTERM)
		select {
		case <-v.done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			<-v.done
		}
	}
	s.mu.Lock()
	delete(s.vms, v)
	s.mu.Unlock()
}

// stopAll stops every VM still running (on error or interrupt).
func (s *vmSet) stopAll(log *slog.Logger) {
	s.mu.Lock()
	var left []*vm
	for v := range s.vms {
		left = append(left, v)
	}
	s.mu.Unlock()
	for _, v := range left {
		log.Info("stopping QEMU", "pid", v.cmd.Process.Pid)
		s.stop(v)
	}
}

// processCPU is the user+system time of process pid, from /proc/PID/stat (prometheus/procfs).
func processCPU(root string, pid int) (float64, error) {
	fs, err := procfs.NewFS(root)
	if err != nil {
		return 0, err
	}
	p, err := fs.Proc(pid)
	if err != nil {
		return 0, err
	}
	st, err := p.Stat()
	if err != nil {
		return 0, err
	}
	return st.CPUTime(), nil
}
