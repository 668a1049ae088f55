package machined

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cosi-project/runtime/pkg/state"

	"github.com/cairn-os/cairn/internal/app/machined/boot"
	"github.com/cairn-os/cairn/internal/pkg/auditlog"
	"github.com/cairn-os/cairn/internal/pkg/logfwd"
	"github.com/cairn-os/cairn/internal/pkg/supervisor"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/constants"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// lifecycle requests the run loop carries out.
type lifecycle int

const (
	lifecycleReboot lifecycle = iota + 1
	lifecycleShutdown
	lifecycleReset
)

func (l lifecycle) String() string {
	switch l {
	case lifecycleReboot:
		return "reboot"
	case lifecycleShutdown:
		return "shutdown"
	case lifecycleReset:
		return "reset"
	}
	return fmt.Sprintf("lifecycle(%d)", int(l))
}

// daemon is one running machined.
type daemon struct {
	log    *slog.Logger
	ring   *supervisor.Ring
	opts   Options
	events *eventBus
	st     state.State
	audit  *auditlog.Log
	logfwd *logfwd.Forwarder
	sup    *supervisor.Supervisor
	certs  *certFeed
	listen net.IP
	// defaultHostname names the node while its configuration names none.
	defaultHostname string
	maintenanceCert *pki.KeyPair
	// sandbox is how services are restricted; socketFile is machined's socket opened O_PATH,
	// which services running as their own uids inherit.
	sandbox    *sandboxing
	socketFile *os.File

	// kubeMu serialises Bootstrap calls; kubeKernel and kubeImports run their work once.
	kubeMu        sync.Mutex
	kubeKernel    sync.Once
	kubeKernelErr error
	kubeImports   sync.Once

	mu  sync.Mutex
	cfg *config.Config // nil: maintenance mode
	try *tryConfig

	// images is containerd's image store; nil means ctr against the node's containerd (a
	// unit test sets a stand-in). importing is true while an ImageImport runs.
	images    imageStore
	importing atomic.Bool
	// recovering is true while a BootstrapRecover runs.
	recovering atomic.Bool

	// slots manages the boot disk's A/B slots; nil on a node without them, and slotsAbsent
	// then says why ("container mode", "the root is in RAM (...)", ...).
	slots       slotManager
	slotsAbsent string
	// changingSlots is true while an Upgrade or a Rollback runs: one at a time per node.
	changingSlots atomic.Bool

	// payload is the signed OS image an install initramfs handed over (nil without one);
	// installing is true while an install runs; runCtx is run's context (installs outlive
	// the API call that started them).
	payload    *os.File
	installing atomic.Bool
	runCtx     context.Context
	// auditShut is true once an install has written the audit log's shutdown record.
	auditShut atomic.Bool

	requests chan lifecycle
	// inProgress is the lifecycle request accepted and not yet done (0: none); a reboot or
	// reset in container mode ends, a shutdown or a real reboot never does.
	inProgress lifecycle
	// resetWipe is what the accepted reset wipes; resetLeft says its etcd member left first.
	resetWipe machine.ResetRequest_Wipe
	resetLeft bool
}

func newNode(log *slog.Logger, ring *supervisor.Ring, o Options) (*daemon, error) {
	host, _, _ := net.SplitHostPort(o.Listen)
	n := &daemon{
		log: log, ring: ring, opts: o, events: newEventBus(1000), certs: newCertFeed(),
		listen: net.ParseIP(host), requests: make(chan lifecycle, 1),
	}
	n.defaultHostname = defaultHostname(n.listen)
	n.logfwd = n.newForwarder()
	sb, err := newSandboxing(log, o, n.defaultHostname)
	if err != nil {
		return nil, err
	}
	n.sandbox = sb
	sup, err := supervisor.New(log, supervisor.Options{OnChange: n.serviceChanged, OnLogLine: n.serviceLogLine}, n.serviceSpecs()...)
	if err != nil {
		return nil, err
	}
	n.sup = sup
	return n, nil
}

// defaultHostname is "cairn-" and the listen address, so that nodes sharing a host differ.
func defaultHostname(ip net.IP) string {
	if ip == nil || ip.IsUnspecified() {
		if h, err := os.Hostname(); err == nil {
			return h
		}
		return "cairn"
	}
	return "cairn-" + strings.NewReplacer(".", "-", ":", "-").Replace(ip.String())
}

// serviceSpecs are the node's services: apid and trustd, both started from this binary, each
// as its own uid without capabilities, with no_new_privs, in its own cgroup with its resource
// limits. Each is Running once its port accepts connections.
func (n *daemon) serviceSpecs() []supervisor.Spec {
	apid := serviceUser{uid: constants.ApidUID, gid: constants.ApidGID}
	trustd := serviceUser{uid: constants.TrustdUID, gid: constants.TrustdGID}
	return []supervisor.Spec{
		{
			Name: "apid", Protected: true, Sandbox: n.sandbox.spec("apid", apid), Limits: apidLimits,
			Command: n.command("apid", "--listen", n.opts.Listen), Ready: portAnswers(n.opts.Listen),
		},
		{
			Name: "trustd", DependsOn: []string{"apid"}, Sandbox: n.sandbox.spec("trustd", trustd), Limits: trustdLimits,
			Command: n.command("trustd", "--listen", trustdAddress(n.opts.Listen)), Ready: portAnswers(trustdAddress(n.opts.Listen)),
		},
	}
}

// trustdAddress is the API address with the trustd port.
func trustdAddress(listen string) string {
	host, _, _ := net.SplitHostPort(listen)
	return net.JoinHostPort(host, trustdPort)
}

func (n *daemon) serviceChanged(c supervisor.Change) {
	n.events.publish(KindService, c.Message, "service", c.Name, "state", string(c.State))
	n.updateServiceResource(c.Status)
}

// phase runs one named boot phase and reports it.
func (n *daemon) phase(name string, fn func() error) error {
	n.events.publish(KindPhase, "phase started", "phase", name)
	if err := fn(); err != nil {
		n.events.publish(KindPhase, "phase failed", "phase", name, "error", err.Error())
		return fmt.Errorf("phase %s: %w", name, err)
	}
	n.events.publish(KindPhase, "phase done", "phase", name)
	return nil
}

func (n *daemon) run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n.runCtx = ctx
	n.takePayload()
	if err := n.phase("state", func() error { return os.MkdirAll(n.opts.State, 0o700) }); err != nil {
		return err
	}
	if err := n.phase("audit", n.openAudit); err != nil {
		return err
	}
	defer n.closeAudit()
	if err := n.phase("resources", func() error { return n.startResources(ctx) }); err != nil {
		return err
	}
	n.startLogging(ctx)
	defer n.logfwd.Close()
	if err := n.phase("config", n.loadConfig); err != nil {
		return err
	}
	if err := n.phase("audit boot record", n.bootAudit); err != nil {
		return err
	}
	slots, why := n.newDiskSlots()
	if slots != nil {
		n.slots = slots
	} else {
		n.slotsAbsent = why // Version and the refusals of Upgrade and Rollback say it
		n.log.Info("no disk slots: upgrades and rollbacks are refused", "why", why)
	}
	stopAPI, err := n.serveSocket()
	if err != nil {
		return err
	}
	defer stopAPI()
	defer n.sandbox.close()
	defer n.sup.StopAll()
	if err := n.phase("services", func() error { return n.sup.StartAll(ctx) }); err != nil {
		return err
	}
	n.setStage(ctx)
	n.maybeInstall()
	if slots != nil {
		go slots.watchTrial(ctx, n.upgradeHealth)
	}
	if err := n.loop(ctx); !errors.Is(err, errShutdown) {
		return err
	}
	return nil
}

// loop carries out lifecycle requests until the node shuts down.
func (n *daemon) loop(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case r := <-n.requests:
			if err := n.carryOut(ctx, r); err != nil {
				return err
			}
		}
	}
}

// errShutdown ends the loop for a shutdown: machined exits (and, as PID 1, powers off).
var errShutdown = errors.New("shutdown requested")

// carryOut performs one lifecycle request. It returns errShutdown or boot.ErrReboot when the
// node goes down, nil when it carries on.
func (n *daemon) carryOut(ctx context.Context, r lifecycle) error {
	switch {
	case r == lifecycleShutdown:
		n.events.publish(KindLifecycle, "shutdown: stopping services and exiting (simulated power-off)")
		return errShutdown
	case r == lifecycleReboot && n.opts.Mode == ModeMetal:
		n.events.publish(KindLifecycle, "reboot: stopping services and rebooting the kernel")
		return boot.ErrReboot
	case r == lifecycleReboot:
		n.reboot(ctx)
	case r == lifecycleReset && n.opts.Mode == ModeMetal:
		n.wipe(ctx)
		n.events.publish(KindLifecycle, "reset: state wiped, rebooting the kernel")
		return boot.ErrReboot
	case r == lifecycleReset:
		n.reset(ctx)
	}
	n.done()
	return nil
}

// request accepts a lifecycle request unless another one is in progress, which it names.
func (n *daemon) request(r lifecycle) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.inProgress != 0 {
		return fmt.Errorf("a %s is already in progress: this %s is refused", n.inProgress, r)
	}
	n.inProgress = r
	n.requests <- r // never blocks: the buffer holds one, and only one is in progress
	return nil
}

// done ends the lifecycle request in progress.
func (n *daemon) done() {
	n.mu.Lock()
	n.inProgress = 0
	n.mu.Unlock()
}
