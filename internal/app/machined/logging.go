package machined

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-os/cairn/internal/controllers/kubeservice"
	"github.com/cairn-os/cairn/internal/pkg/logfwd"
	"github.com/cairn-os/cairn/pkg/machinery/audit"
	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/resources"
)

// logQueueDir holds the log destinations' queues, under STATE: on the disk of an installed
// node (next to the audit log they resume from), in memory where STATE is.
const logQueueDir = "logfwd"

// newForwarder is the node's log forwarder, with no destination until a configuration is
// active. The audit log it follows is opened later, by run.
func (n *daemon) newForwarder() *logfwd.Forwarder {
	return logfwd.New(logfwd.Options{
		Dir: filepath.Join(n.opts.State, logQueueDir), Host: n.hostname, Logger: n.log.With("component", "logfwd"),
		FollowAudit: func(ctx context.Context, from uint64, fn func(audit.Event) error) error {
			return n.audit.Follow(ctx, from, fn)
		},
		AuditLast: func() uint64 { seq, _ := n.audit.Last(); return seq },
	})
}

// startLogging connects the sources that machined itself produces: its own log, the services' logs, the
// audit trail, the kernel log (metal mode) and kube-apiserver's audit log (control planes).
func (n *daemon) startLogging(ctx context.Context) {
	pid := strconv.Itoa(os.Getpid())
	n.ring.SetTap(func(line []byte) {
		n.logfwd.Publish(logRecord(logfwd.SourceMachined, "machined", pid, line))
	})
	if n.opts.Mode == ModeMetal {
		go n.forwardKernelLog(ctx)
	}
	go n.forwardAPIServerAudit(ctx, kubeservice.APIServerAuditLog)
	go n.publishLogStatus(ctx)
}

// serviceLogLine hands a service's log line to the forwarder (the supervisor's tap).
func (n *daemon) serviceLogLine(service string, line []byte) {
	n.logfwd.Publish(logRecord(logfwd.SourceServices, service, "", line))
}

// applyLogging makes the forwarder's destinations those of cfg: applied live, no reboot.
func (n *daemon) applyLogging(cfg *config.Config) {
	var dests []config.LoggingDestination
	if cfg != nil {
		dests = cfg.WithDefaults().Machine.Logging.Destinations
	}
	if err := n.logfwd.Apply(dests, trustedRoots(cfg)); err != nil {
		n.log.Error("log destinations not all applied", "error", err)
	}
}

// trustedRoots are the certificates of the configuration's TrustedRootsConfig documents.
func trustedRoots(cfg *config.Config) []*x509.Certificate {
	if cfg == nil {
		return nil
	}
	var out []*x509.Certificate
	for _, d := range cfg.Documents {
		tr, ok := d.(*config.TrustedRootsConfig)
		if !ok {
			continue
		}
		rest := []byte(tr.Certificates)
		for {
			var block *pem.Block
			if block, rest = pem.Decode(rest); block == nil {
				break
			}
			if c, err := x509.ParseCertificate(block.Bytes); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// logRecord is a log line as a record; the severity comes from slog's level=, when the line
// has one.
func logRecord(source, app, procID string, line []byte) logfwd.Record {
	sev := logfwd.SevInfo
	switch {
	case bytes.Contains(line, []byte("level=ERROR")):
		sev = logfwd.SevError
	case bytes.Contains(line, []byte("level=WARN")):
		sev = logfwd.SevWarning
	case bytes.Contains(line, []byte("level=DEBUG")):
		sev = logfwd.SevDebug
	}
	return logfwd.Record{Time: time.Now(), Source: source, App: app, ProcID: procID, Severity: sev,
		Message: strings.TrimRight(string(line), "\n")}
}

// forwardKernelLog follows /dev/kmsg from the start of this boot's buffer.
func (n *daemon) forwardKernelLog(ctx context.Context) {
	f, err := os.Open("/dev/kmsg")
	if err != nil {
		n.log.Error("kernel log not forwarded", "error", err)
		return
	}
	defer func() { _ = f.Close() }()
	err = followKmsg(ctx, f, func(rec string) error {
		if n.logfwd.Wants(logfwd.SourceKernel) {
			n.logfwd.Publish(kernelRecord(rec))
		}
		return nil
	})
	if err != nil && ctx.Err() == nil {
		n.log.Error("kernel log forwarding stopped", "error", err)
	}
}

// kernelRecord is a /dev/kmsg record "prio,seq,usec,flags;text" as a record.
func kernelRecord(rec string) logfwd.Record {
	r := logfwd.Record{Time: time.Now(), Source: logfwd.SourceKernel, App: "kernel", Severity: logfwd.SevInfo}
	head, text, _ := strings.Cut(rec, ";")
	r.Message, _, _ = strings.Cut(text, "\n")
	prio, _, _ := strings.Cut(head, ",")
	if p, err := strconv.Atoi(prio); err == nil {
		r.Severity = logfwd.Severity(p & 7)
	}
	return r
}

// apiServerAuditPoll is how often kube-apiserver's audit log is read for new lines.
const apiServerAuditPoll = time.Second

// forwardAPIServerAudit follows kube-apiserver's audit log from its end when forwarding
// starts, through its rotations (the file is renamed and a new one started), while a
// destination takes the source.
func (n *daemon) forwardAPIServerAudit(ctx context.Context, path string) {
	t := &fileTail{path: path}
	tick := time.NewTicker(apiServerAuditPoll)
	defer tick.Stop()
	defer t.close()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if !n.logfwd.Wants(logfwd.SourceAPIServerAudit) {
			t.close()
			continue
		}
		err := t.poll(func(line []byte) {
			n.logfwd.Publish(logfwd.Record{Time: time.Now(), Source: logfwd.SourceAPIServerAudit, App: "kube-apiserver",
				Severity: logfwd.SevInfo, Message: string(line)})
		})
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			n.log.Error("kube-apiserver audit log not read", "error", err)
		}
	}
}

// maxAuditLine bounds a kube-apiserver audit line (an event with a large request body); a
// longer one is cut.
const maxAuditLine = 256 << 10

// fileTail reads lines appended to a file that may be rotated.
type fileTail struct {
	path    string
	f       *os.File
	partial []byte
}

func (t *fileTail) close() {
	if t.f != nil {
		_ = t.f.Close()
		t.f = nil
	}
	t.partial = nil
}

// poll passes the complete lines written since the last poll. The first poll starts at the
// end of the file; a new file at the path (after a rotation) is read from its start, once
// the old one has been read to its end.
func (t *fileTail) poll(fn func([]byte)) error {
	if t.f == nil {
		f, err := os.Open(t.path)
		if err != nil {
			return err
		}
		if _, err := f.Seek(0, 2); err != nil {
			_ = f.Close()
			return err
		}
		t.f = f
		return nil
	}
	t.readLines(fn)
	cur, err1 := t.f.Stat()
	now, err2 := os.Stat(t.path)
	if err1 == nil && err2 == nil && !os.SameFile(cur, now) {
		f, err := os.Open(t.path)
		if err != nil {
			return err
		}
		_ = t.f.Close()
		t.f, t.partial = f, nil
		t.readLines(fn)
	}
	return nil
}

// readLines passes the complete lines up to the end of the file; a read error ends it as the
// end of the file does, and the next poll tries again.
func (t *fileTail) readLines(fn func([]byte)) {
	buf := make([]byte, 64<<10)
	for {
		n, err := t.f.Read(buf)
		data := append(t.partial, buf[:n]...)
		for {
			i := bytes.IndexByte(data, '\n')
			if i < 0 {
				break
			}
			fn(data[:i])
			data = data[i+1:]
		}
		if len(data) > maxAuditLine {
			fn(data[:maxAuditLine])
			data = nil
		}
		t.partial = bytes.Clone(data)
		if n == 0 || err != nil {
			return
		}
	}
}

// logDestinations is the status of every log destination.
func (n *daemon) logDestinations() []logfwd.Status { return n.logfwd.Status() }

// logStatusEvery is how often the LogDestination resources are refreshed.
const logStatusEvery = 5 * time.Second

// publishLogStatus keeps one LogDestination resource per destination until ctx ends.
func (n *daemon) publishLogStatus(ctx context.Context) {
	t := time.NewTicker(logStatusEvery)
	defer t.Stop()
	have := map[string]bool{}
	for {
		seen := map[string]bool{}
		for _, s := range n.logfwd.Status() {
			seen[s.Endpoint] = true
			err := modify(ctx, n.st, resources.NewLogDestinationStatus(s.Endpoint), func(r *resources.LogDestinationStatus) {
				*r.TypedSpec() = resources.LogDestinationStatusSpec{Format: s.Format, Sources: s.Sources, State: s.State,
					LastError: s.LastError, LastErrorTime: s.LastErrorTime, QueueEntries: s.QueueEntries, QueueBytes: s.QueueBytes,
					OldestQueued: s.OldestQueued, Sent: s.Sent, Resent: s.Resent, Acknowledged: s.Acknowledged, Dropped: s.Dropped}
			})
			if err != nil && ctx.Err() == nil {
				n.log.Warn("log destination resource not updated", "endpoint", s.Endpoint, "error", err)
			}
		}
		for ep := range have {
			if !seen[ep] {
				_ = n.st.Destroy(ctx, resources.NewLogDestinationStatus(ep).Metadata())
			}
		}
		have = seen
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
