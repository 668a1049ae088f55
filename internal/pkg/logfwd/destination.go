package logfwd

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/cairn-os/cairn/pkg/machinery/audit"
	"github.com/cairn-os/cairn/pkg/machinery/config"
)

// Defaults of DestinationOptions.
const (
	// DefaultCheckpointEvery and DefaultCheckpointInterval bound what a receiver restart can
	// make the forwarder send twice: the entries since the last checkpoint.
	DefaultCheckpointEvery    = 10000
	DefaultCheckpointInterval = 10 * time.Second
	// intakeLen bounds the log lines waiting to be written to the queue; beyond it lines are
	// counted and a gap record names how many.
	intakeLen = 4096
)

// DestinationOptions configure one destination.
type DestinationOptions struct {
	Endpoint config.LogEndpoint
	// Format is config.LogFormatRFC5424 or config.LogFormatJSONL.
	Format string
	// TLS is the client configuration for a tls:// endpoint; nil sends in clear text.
	TLS *tls.Config
	// Sources are the record sources the destination takes.
	Sources []string
	// Host returns the node's host name for each message.
	Host func() string
	// Dial connects; nil means a net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// CheckpointEvery and CheckpointInterval say how often delivery is confirmed; 0 means the
	// defaults.
	CheckpointEvery    int
	CheckpointInterval time.Duration
}

// Destination is one receiver: its queue and the goroutines that fill and drain it.
type Destination struct {
	opts   DestinationOptions
	q      *Queue
	intake chan Record
	cancel context.CancelFunc
	done   sync.WaitGroup

	mu          sync.Mutex
	state       string
	lastErr     string
	lastErrTime time.Time
	sent        uint64
	resent      uint64
	maxSent     uint64
	acked       uint64
	lost        uint64 // intake overflow not yet recorded as a gap
	lostFirst   time.Time
}

// OpenDestination opens the destination's queue in dir (bounded to queueBytes) and starts
// delivering.
func OpenDestination(dir string, queueBytes int64, opts DestinationOptions) (*Destination, error) {
	if opts.CheckpointEvery <= 0 {
		opts.CheckpointEvery = DefaultCheckpointEvery
	}
	if opts.CheckpointInterval <= 0 {
		opts.CheckpointInterval = DefaultCheckpointInterval
	}
	if opts.Dial == nil {
		opts.Dial = (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext
	}
	if opts.Host == nil {
		return nil, fmt.Errorf("log destination %s: no host name source", opts.Endpoint)
	}
	q, err := OpenQueue(dir, queueBytes)
	if err != nil {
		return nil, fmt.Errorf("log destination %s: %w", opts.Endpoint, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &Destination{opts: opts, q: q, intake: make(chan Record, intakeLen), cancel: cancel, state: StateIdle}
	d.done.Add(3)
	go func() { defer d.done.Done(); d.run(ctx) }()
	go func() { defer d.done.Done(); d.drainIntake(ctx) }()
	go func() { defer d.done.Done(); d.syncEvery(ctx, time.Second) }()
	return d, nil
}

// Close stops delivery (ending the current session with a checkpoint) and closes the queue;
// what is queued stays for the next OpenDestination on the same directory.
func (d *Destination) Close() error {
	d.cancel()
	d.done.Wait()
	return d.q.Close()
}

// Wants says whether the destination takes records of the source.
func (d *Destination) Wants(source string) bool {
	return source == SourceForwarder || slices.Contains(d.opts.Sources, source)
}

// Offer queues a log record without waiting: when the intake is full the record is counted,
// and a gap record later says how many were dropped.
func (d *Destination) Offer(r Record) {
	select {
	case d.intake <- r:
	default:
		d.mu.Lock()
		if d.lost == 0 {
			d.lostFirst = r.Time
		}
		d.lost++
		d.mu.Unlock()
	}
}

// AppendAudit queues an audit event. It writes to the queue directly: the audit trail's
// follower calls it, so waiting here slows no API call, and it is how the destination
// resumes after a restart (from LastAuditSeq).
func (d *Destination) AppendAudit(e audit.Event, procID string) error {
	r := AuditRecord(e, procID)
	_, err := d.q.Append(&r)
	return err
}

// LastAuditSeq is the sequence number of the last audit event queued, ever.
func (d *Destination) LastAuditSeq() uint64 { return d.q.State().LastAuditSeq }

func (d *Destination) drainIntake(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case r := <-d.intake:
			if _, err := d.q.Append(&r); err != nil {
				d.fail(err)
			}
			d.recordLost()
		}
	}
}

// recordLost queues a gap record for log lines the full intake turned away.
func (d *Destination) recordLost() {
	d.mu.Lock()
	n, first := d.lost, d.lostFirst
	d.lost = 0
	d.mu.Unlock()
	if n == 0 {
		return
	}
	g := Gap{Count: n, Reason: fmt.Sprintf("log lines came faster than the queue took them, from %s", first.Format(time.RFC3339))}
	r := Record{Time: time.Now(), Source: SourceForwarder, App: "cairn-logfwd", Severity: SevWarning, Gap: &g}
	if _, err := d.q.Append(&r); err != nil {
		d.fail(err)
	}
}

// syncEvery flushes the queue to disk periodically: a power loss loses at most that much of
// the log lines (audit events are re-read from the audit log, which syncs each one).
func (d *Destination) syncEvery(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := d.q.Sync(); err != nil {
				d.fail(err)
			}
		}
	}
}

func (d *Destination) setState(s string) {
	d.mu.Lock()
	d.state = s
	d.mu.Unlock()
}

func (d *Destination) fail(err error) {
	d.mu.Lock()
	d.lastErr, d.lastErrTime = err.Error(), time.Now()
	d.mu.Unlock()
}

func (d *Destination) countSent(seq uint64) {
	d.mu.Lock()
	d.sent++
	if seq <= d.maxSent {
		d.resent++
	}
	d.maxSent = max(d.maxSent, seq)
	d.mu.Unlock()
}

func (d *Destination) ack(upTo uint64) error {
	before := d.q.State().Acked
	if err := d.q.Ack(upTo); err != nil {
		return err
	}
	d.mu.Lock()
	d.acked += upTo - min(before, upTo)
	d.mu.Unlock()
	return nil
}

// Status is what a destination reports.
type Status struct {
	Endpoint string
	Format   string
	Sources  []string
	// State is idle, connecting, connected, waiting to retry or stopped.
	State string
	// LastError is the last failure, and when it happened.
	LastError     string
	LastErrorTime time.Time
	// QueueEntries and QueueBytes are what waits for delivery (entries) and the queue's size on
	// disk; OldestQueued is the time of the oldest entry waiting.
	QueueEntries uint64
	QueueBytes   int64
	OldestQueued time.Time
	// Sent counts entries written to the receiver, Resent those written again after a
	// failed session, Acknowledged those confirmed (see checkpoint), Dropped those the
	// queue or its intake had to drop.
	Sent, Resent, Acknowledged, Dropped uint64
}

// Status returns the destination's status.
func (d *Destination) Status() Status {
	st, oldest := d.q.State(), d.q.Oldest()
	d.mu.Lock()
	defer d.mu.Unlock()
	return Status{
		Endpoint: d.opts.Endpoint.String(), Format: d.opts.Format, Sources: slices.Clone(d.opts.Sources),
		State: d.state, LastError: d.lastErr, LastErrorTime: d.lastErrTime,
		QueueEntries: st.Last - st.Acked, QueueBytes: st.Bytes, OldestQueued: oldest,
		Sent: d.sent, Resent: d.resent, Acknowledged: d.acked, Dropped: st.Dropped + d.lost,
	}
}

// TLSConfig is the client configuration of a tls:// destination: the destination's CA, or
// the extra roots (TrustedRootsConfig documents) and the system's when it has none, its client
// certificate, TLS 1.2 at least.
func TLSConfig(dst config.LoggingDestination, extraRoots []*x509.Certificate) (*tls.Config, error) {
	ep, err := config.ParseLogEndpoint(dst.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("endpoint %q %w", dst.Endpoint, err)
	}
	if ep.Scheme != config.LogSchemeTLS {
		return nil, nil
	}
	roots := x509.NewCertPool()
	if len(dst.CA) == 0 {
		if sys, err := x509.SystemCertPool(); err == nil {
			roots = sys
		}
		for _, c := range extraRoots {
			roots.AddCert(c)
		}
	} else if !roots.AppendCertsFromPEM(dst.CA) {
		return nil, fmt.Errorf("log destination %s: ca holds no PEM certificate", ep)
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots, ServerName: ep.Host}
	if !dst.ClientCertificate.IsZero() {
		cert, err := tls.X509KeyPair(dst.ClientCertificate.Crt, dst.ClientCertificate.Key)
		if err != nil {
			return nil, fmt.Errorf("log destination %s: client certificate: %w", ep, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}
