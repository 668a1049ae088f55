package logfwd

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cairn-os/cairn/pkg/machinery/audit"
	"github.com/cairn-os/cairn/pkg/machinery/config"
)

// Forwarder keeps the destinations of the machine configuration: it opens, reconfigures and
// closes them as the configuration changes, and hands each record to those that want it.
type Forwarder struct {
	dir  string
	host func() string
	log  *slog.Logger
	// follow feeds a destination with audit events from a sequence number on, until ctx
	// ends; nil means the node has no audit trail to forward.
	follow func(ctx context.Context, from uint64, fn func(audit.Event) error) error
	// auditLast is the audit trail's last sequence number: where a new destination starts.
	auditLast func() uint64
	procID    string

	mu    sync.Mutex
	dests map[string]*running // by queue directory name
	// active is what Publish reads, without the lock that Apply holds while it waits for
	// destinations to stop.
	active atomic.Pointer[[]*Destination]
}

type running struct {
	d      *Destination
	cfg    config.LoggingDestination
	cancel context.CancelFunc
	done   chan struct{}
}

// Options configure a Forwarder.
type Options struct {
	// Dir holds one queue directory per destination.
	Dir string
	// Host returns the node's host name.
	Host   func() string
	Logger *slog.Logger
	// FollowAudit and AuditLast connect the audit trail (both or neither).
	FollowAudit func(ctx context.Context, from uint64, fn func(audit.Event) error) error
	AuditLast   func() uint64
}

// New returns a forwarder with no destination.
func New(o Options) *Forwarder {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Forwarder{dir: o.Dir, host: o.Host, log: o.Logger, follow: o.FollowAudit, auditLast: o.AuditLast,
		procID: fmt.Sprint(os.Getpid()), dests: map[string]*running{}}
}

// queueName names a destination's queue directory after its endpoint, so that the same
// endpoint finds its queue again after a restart or a change of its other settings.
func queueName(ep config.LogEndpoint) string {
	sum := sha256.Sum256([]byte(ep.String()))
	return hex.EncodeToString(sum[:8])
}

// Apply makes the running destinations those of the configuration (defaults applied). A
// destination whose settings changed is reopened on its queue; a removed one is closed and
// its queue deleted. Errors of one destination do not stop the others.
func (f *Forwarder) Apply(dests []config.LoggingDestination, extraRoots []*x509.Certificate) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	want := map[string]config.LoggingDestination{}
	var errs []error
	for _, dst := range dests {
		ep, err := config.ParseLogEndpoint(dst.Endpoint)
		if err != nil {
			errs = append(errs, fmt.Errorf("log destination %q: %w", dst.Endpoint, err))
			continue
		}
		want[queueName(ep)] = dst
	}
	for name, r := range f.dests {
		if dst, ok := want[name]; ok && sameDestination(dst, r.cfg) {
			delete(want, name)
			continue
		}
		f.stop(name, r)
		if _, keep := want[name]; !keep {
			if err := os.RemoveAll(filepath.Join(f.dir, name)); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for name, dst := range want {
		if err := f.start(name, dst, extraRoots); err != nil {
			errs = append(errs, err)
		}
	}
	f.publishActive()
	return errors.Join(errs...)
}

func (f *Forwarder) publishActive() {
	ds := make([]*Destination, 0, len(f.dests))
	for _, r := range f.dests {
		ds = append(ds, r.d)
	}
	f.active.Store(&ds)
}

func sameDestination(a, b config.LoggingDestination) bool {
	return a.Endpoint == b.Endpoint && a.Insecure == b.Insecure && a.Format == b.Format && slices.Equal(a.CA, b.CA) &&
		slices.Equal(a.ClientCertificate.Crt, b.ClientCertificate.Crt) && slices.Equal(a.ClientCertificate.Key, b.ClientCertificate.Key) &&
		slices.Equal(a.Sources, b.Sources) && a.QueueMiB == b.QueueMiB
}

func (f *Forwarder) start(name string, dst config.LoggingDestination, extraRoots []*x509.Certificate) error {
	ep, _ := config.ParseLogEndpoint(dst.Endpoint)
	tlsCfg, err := TLSConfig(dst, extraRoots)
	if err != nil {
		return err
	}
	d, err := OpenDestination(filepath.Join(f.dir, name), int64(dst.QueueMiB)<<20, DestinationOptions{
		Endpoint: ep, Format: dst.Format, TLS: tlsCfg, Sources: dst.Sources, Host: f.host,
	})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{d: d, cfg: dst, cancel: cancel, done: make(chan struct{})}
	f.dests[name] = r
	if f.follow == nil || !d.Wants(SourceAudit) {
		close(r.done)
		return nil
	}
	from := d.LastAuditSeq() + 1
	if from == 1 {
		from = f.auditLast() + 1 // a new destination starts with what happens from now on
	}
	go func() {
		defer close(r.done)
		err := f.follow(ctx, from, func(e audit.Event) error { return d.AppendAudit(e, f.procID) })
		if err != nil && ctx.Err() == nil {
			d.fail(fmt.Errorf("audit trail: %w", err))
			f.log.Error("log destination stopped following the audit trail", "endpoint", ep.String(), "error", err)
		}
	}()
	return nil
}

func (f *Forwarder) stop(name string, r *running) {
	r.cancel()
	<-r.done
	if err := r.d.Close(); err != nil {
		f.log.Error("log destination not closed cleanly", "error", err)
	}
	delete(f.dests, name)
}

// Close stops every destination; their queues stay for the next start.
func (f *Forwarder) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for name, r := range f.dests {
		f.stop(name, r)
	}
	f.publishActive()
}

func (f *Forwarder) destinations() []*Destination {
	if p := f.active.Load(); p != nil {
		return *p
	}
	return nil
}

// Publish offers a log record to every destination that takes its source. It never waits.
func (f *Forwarder) Publish(r Record) {
	for _, d := range f.destinations() {
		if d.Wants(r.Source) {
			d.Offer(r)
		}
	}
}

// Wants says whether any destination takes the source, so that a producer can skip work.
func (f *Forwarder) Wants(source string) bool {
	return slices.ContainsFunc(f.destinations(), func(d *Destination) bool { return d.Wants(source) })
}

// Status returns every destination's status, by endpoint.
func (f *Forwarder) Status() []Status {
	ds := f.destinations()
	out := make([]Status, len(ds))
	for i, d := range ds {
		out[i] = d.Status()
	}
	slices.SortFunc(out, func(a, b Status) int { return strings.Compare(a.Endpoint, b.Endpoint) })
	return out
}
