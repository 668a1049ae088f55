package machined

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
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

// kernelLogPoll is how often the kernel log source is looked at while no destination takes it.
const kernelLogPoll = time.Second

// errNotWanted ends following the kernel log once no destination takes it.
var errNotWanted = errors.New("no destination takes the kernel log")

// forwardKernelLog follows /dev/kmsg while a destination takes the kernel log. When one starts
// taking it (configured at boot, or applied later), the kernel's buffer is read from its
// oldest record, so that the boot's log (the kernel banner, the command line, early errors)
// reaches the SIEM too; records already forwarded are not sent again.
func (n *daemon) forwardKernelLog(ctx context.Context) {
	var sent kmsgCursor
	for ctx.Err() == nil {
		if !n.logfwd.Wants(logfwd.SourceKernel) {
			select {
			case <-ctx.Done():
				return
			case <-time.After(kernelLogPoll):
			}
			continue
		}
		f, err := os.Open("/dev/kmsg")
		if err != nil {
			n.log.Error("kernel log not forwarded", "error", err)
			return
		}
		err = followKmsg(ctx, f, func(rec string) error {
			if !n.logfwd.Wants(logfwd.SourceKernel) {
				return errNotWanted
			}
			if sent.next(rec) {
				n.logfwd.Publish(kernelRecord(rec))
			}
			return nil
		})
		_ = f.Close()
		if err != nil && !errors.Is(err, errNotWanted) && ctx.Err() == nil {
			n.log.Error("kernel log forwarding stopped", "error", err)
			return
		}
	}
}

// kmsgCursor remembers the sequence number of the last kernel record forwarded.
type kmsgCursor struct {
	last uint64
	any  bool
}

// next reports whether rec ("prio,seq,usec,flags;text") comes after the last record passed,
// and makes it the last. A record without a sequence number passes.
func (c *kmsgCursor) next(rec string) bool {
	head, _, _ := strings.Cut(rec, ";")
	fields := strings.Split(head, ",")
	if len(fields) < 2 {
		return true
	}
	seq, err := strconv.ParseUint(fields[1], 10, 64)
	if err != nil {
		return true
	}
	if c.any && seq <= c.last {
		return false
	}
	c.last, c.any = seq, true
	return true
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

// forwardAPIServerAudit follows kube-apiserver's audit log, through its rotations (the file
// is renamed and a new one started), while a destination takes the source: from the end of
// the log when the source is first taken, and after a restart (a reboot of an installed node,
// whose STATE and /var persist) from where it stopped, so that what kube-apiserver wrote
// meanwhile is sent too.
func (n *daemon) forwardAPIServerAudit(ctx context.Context, path string) {
	t := &fileTail{path: path, posPath: filepath.Join(n.opts.State, logQueueDir, "apiserver-audit.pos")}
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
			t.forget()
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

// fileTail reads lines appended to a file that may be rotated. With posPath it keeps its
// position there (the file's identity and the offset of the first line not yet passed), so
// that a restart resumes where it stopped, in the rotated file if the file moved on since.
type fileTail struct {
	path    string
	posPath string
	f       *os.File
	partial []byte
	// pos is the position last saved.
	pos tailPos
}

func (t *fileTail) close() {
	if t.f != nil {
		_ = t.f.Close()
		t.f = nil
	}
	t.partial = nil
}

// forget removes the saved position: a source nobody takes starts again at the end.
func (t *fileTail) forget() {
	if t.posPath != "" && t.pos != (tailPos{}) {
		_ = os.Remove(t.posPath)
		t.pos = tailPos{}
	}
}

// poll passes the complete lines written since the last poll. The first poll resumes at the
// saved position or, with none, starts at the end of the file; a new file at the path (after
// a rotation) is read from its start, once the old one has been read to its end.
func (t *fileTail) poll(fn func([]byte)) error {
	if t.f == nil {
		f, resumed, err := t.open()
		if err != nil {
			return err
		}
		t.f = f
		if !resumed {
			t.save()
			return nil
		}
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
	t.save()
	return nil
}

// open opens the file at the saved position (resumed), or the file at the path at its end
// when no position was saved. A saved file that is gone, or that is not the one saved (its
// first bytes differ, it is shorter), has been rotated away or wiped: the file at the path is
// then read from its start, since all of it was written after.
func (t *fileTail) open() (f *os.File, resumed bool, err error) {
	saved, ok := t.loadPos()
	if ok {
		if f := saved.find(t.path); f != nil {
			return f, true, nil
		}
	}
	f, err = os.Open(t.path)
	if err != nil {
		return nil, false, err
	}
	if ok {
		return f, true, nil
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		_ = f.Close()
		return nil, false, err
	}
	return f, false, nil
}

// tailPos is where a tail stands: the file (device, inode, a digest of its first bytes) and
// the offset of the first byte not yet passed.
type tailPos struct {
	Dev, Ino, Offset uint64
	HeadLen          int64
	Head             [sha256.Size]byte
}

// tailHeadLen is how many of a file's first bytes identify it (an inode number is reused).
const tailHeadLen = 512

// loadPos reads the saved position; a missing or unreadable one is no position.
func (t *fileTail) loadPos() (tailPos, bool) {
	if t.posPath == "" {
		return tailPos{}, false
	}
	data, err := os.ReadFile(t.posPath)
	if err != nil {
		return tailPos{}, false
	}
	var p tailPos
	var head string
	if _, err := fmt.Sscanf(string(data), "dev=%d ino=%d offset=%d headlen=%d head=%s", &p.Dev, &p.Ino, &p.Offset, &p.HeadLen, &head); err != nil {
		return tailPos{}, false
	}
	h, err := hex.DecodeString(head)
	if err != nil || len(h) != sha256.Size || p.HeadLen < 0 || p.HeadLen > tailHeadLen {
		return tailPos{}, false
	}
	copy(p.Head[:], h)
	return p, true
}

// find opens the file of p, at p's offset, among the file at path and the rotated files
// beside it (kube-apiserver renames audit.log to audit-<time>.log); nil when none is it.
func (p tailPos) find(path string) *os.File {
	dir, base := filepath.Split(path)
	stem := strings.TrimSuffix(base, filepath.Ext(base))
	names, _ := filepath.Glob(filepath.Join(dir, stem+"*"))
	for _, name := range names {
		fi, err := os.Stat(name)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		dev, ino := fileID(fi)
		if dev != p.Dev || ino != p.Ino || uint64(fi.Size()) < p.Offset {
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			continue
		}
		if h, n := headOf(f, p.HeadLen); n == p.HeadLen && h == p.Head {
			if _, err := f.Seek(int64(p.Offset), io.SeekStart); err == nil {
				return f
			}
		}
		_ = f.Close()
	}
	return nil
}

// headOf digests the first n bytes of f (fewer in a shorter file): a file only grows, so the
// bytes digested when the position was saved are still its first.
func headOf(f *os.File, n int64) ([sha256.Size]byte, int64) {
	buf := make([]byte, n)
	got, _ := f.ReadAt(buf, 0)
	return sha256.Sum256(buf[:got]), int64(got)
}

// fileID is a file's device and inode.
func fileID(fi os.FileInfo) (dev, ino uint64) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Dev, st.Ino
	}
	return 0, 0
}

// save records the tail's position when it moved; the rename makes the file whole or absent,
// never half written.
func (t *fileTail) save() {
	if t.posPath == "" || t.f == nil {
		return
	}
	fi, err := t.f.Stat()
	if err != nil {
		return
	}
	off, err := t.f.Seek(0, io.SeekCurrent)
	if err != nil {
		return
	}
	p := tailPos{Offset: uint64(off) - uint64(len(t.partial))}
	p.Dev, p.Ino = fileID(fi)
	if p.Dev == t.pos.Dev && p.Ino == t.pos.Ino && p.Offset == t.pos.Offset {
		return
	}
	p.Head, p.HeadLen = headOf(t.f, tailHeadLen)
	data := fmt.Appendf(nil, "dev=%d ino=%d offset=%d headlen=%d head=%x\n", p.Dev, p.Ino, p.Offset, p.HeadLen, p.Head)
	if err := os.MkdirAll(filepath.Dir(t.posPath), 0o700); err != nil {
		return
	}
	tmp := t.posPath + ".tmp"
	if os.WriteFile(tmp, data, 0o600) != nil || os.Rename(tmp, t.posPath) != nil {
		return
	}
	t.pos = p
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
